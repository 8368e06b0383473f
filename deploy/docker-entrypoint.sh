#!/bin/sh
# Runs one Maestro service: gateway | session | provider | tool | auth
set -e
svc="${1:?usage: <gateway|session|provider|tool|auth>}"
# HZ_FLAGS: the same module access as deploy/maestro (one copy, in deploy/jvm-flags)
. /opt/maestro/jvm-flags
# shellcheck disable=SC2086
exec java -XX:+UseSerialGC -XX:MaxRAMPercentage=75 $HZ_FLAGS \
  -jar "/opt/maestro/${svc}-service-0.1.0-SNAPSHOT-fat.jar"
