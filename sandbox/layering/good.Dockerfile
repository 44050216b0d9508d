# Good layering: create, use and delete in the same RUN, so no layer keeps the file.
FROM busybox
RUN seq 1 100000 > /big.log && wc -l /big.log && rm /big.log
CMD ["ls", "-l", "/"]
