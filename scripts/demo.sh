#!/bin/sh
# demo.sh -- README command 1: install build dependencies, build, run a demo.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh build
sh scripts/build.sh
echo "--- sample/time-test: a repeating timer, three ticks"
_build/sample/time-test 3
if [ -x _build/sample/http-server ] && command -v curl > /dev/null; then
	echo "--- sample/http-server: serving sample/ on 127.0.0.1:8089, fetched with curl"
	_build/sample/http-server -p 8089 sample > /dev/null 2>&1 &
	pid=$!
	i=0; until curl -fsS -o /dev/null http://127.0.0.1:8089/ 2>/dev/null || [ $i -ge 50 ]; do sleep 0.1; i=$((i+1)); done
	curl -sS -D - -o /dev/null http://127.0.0.1:8089/time-test.c || true
	kill $pid 2>/dev/null || true
fi
echo "--- demo done"
