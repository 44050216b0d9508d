#!/bin/sh
# greet NAME: say hello
echo "hello, ${1:-world}"
