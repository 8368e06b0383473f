#!/bin/sh
# Runs one Maestro service: gateway | session | provider | tool | auth
set -e
svc="${1:?usage: <gateway|session|provider|tool|auth>}"
exec java -XX:+UseSerialGC -XX:MaxRAMPercentage=75 \
  --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  -jar "/opt/maestro/${svc}-service-0.1.0-SNAPSHOT-fat.jar"
