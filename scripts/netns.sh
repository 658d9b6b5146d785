#!/usr/bin/env bash
# Two network namespaces joined by a veth pair, for running the E2 suite over raw SCTP:
#   oranh-harness  198.51.100.1/24  (veth oranh-h)
#   oranh-dut      198.51.100.2/24  (veth oranh-d)
# 198.51.100.0/24 (TEST-NET-2) exists only inside these namespaces. Needs root.
# Usage: scripts/netns.sh up | down | check
set -euo pipefail
case "${1:-}" in
  up)
    "$0" down >/dev/null 2>&1 || true
    ip netns add oranh-harness
    ip netns add oranh-dut
    ip link add oranh-h type veth peer name oranh-d
    ip link set oranh-h netns oranh-harness
    ip link set oranh-d netns oranh-dut
    ip -n oranh-harness addr add 198.51.100.1/24 dev oranh-h
    ip -n oranh-dut addr add 198.51.100.2/24 dev oranh-d
    for ns in oranh-harness oranh-dut; do
      ip -n "$ns" link set lo up
    done
    ip -n oranh-harness link set oranh-h up
    ip -n oranh-dut link set oranh-d up
    ;;
  down)
    ip netns del oranh-harness 2>/dev/null || true
    ip netns del oranh-dut 2>/dev/null || true
    ;;
  check)
    # Exit 0 when namespaces can be made here.
    ip netns add oranh-probe 2>/dev/null && ip netns del oranh-probe
    ;;
  *)
    echo "usage: $0 up|down|check" >&2
    exit 2
    ;;
esac
