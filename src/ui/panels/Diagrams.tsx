// The diagrams a step has data for, side by side: namespace table, cgroup gauge, layer stack.
import { Box } from 'ink';
import type { LabView } from '../diagrams.js';
import { CgroupGauge } from './CgroupGauge.js';
import { LayerStack } from './LayerStack.js';
import { NamespaceTable } from './NamespaceTable.js';

export function Diagrams({ view, width, height }: { view: LabView; width: number; height: number }) {
  const parts = [view.namespaces && 'ns', view.cgroup && 'cg', view.layers && 'layers'].filter(Boolean);
  if (parts.length === 0 || height <= 0) return null;
  const each = Math.floor((width - (parts.length - 1)) / parts.length);
  return (
    <Box flexDirection="row" gap={1} width={width} height={height} overflow="hidden">
      {view.namespaces && (
        <Box width={each} overflow="hidden">
          <NamespaceTable data={view.namespaces} maxRows={height} />
        </Box>
      )}
      {view.cgroup && (
        <Box width={each} overflow="hidden">
          <CgroupGauge data={view.cgroup} width={each} />
        </Box>
      )}
      {view.layers && (
        <Box width={each} overflow="hidden">
          <LayerStack data={view.layers} width={each} height={height} />
        </Box>
      )}
    </Box>
  );
}
