#!/usr/bin/env bash
# Does the pure-Go backend's parallel scheduler hang? Runs short DCGAN and MLP
# trainings and style transfers many times on one backend configuration, each
# under ganbook's own stall watchdog and an outer timeout, and counts the runs
# that did not finish.
#
#   export GOTOOLCHAIN=go1.27.3
#   GOEXPERIMENT=simd go build -o /tmp/ganbook ./cmd/ganbook
#   bench/parallel_hangs.sh /tmp/ganbook go:num_executors=2 20 15 15
#
# Arguments: binary, GOMLX_BACKEND value, DCGAN runs (40 steps), MLP runs (300
# steps), style runs (96 px, 12 steps). One line per run, then a summary line.
set -uo pipefail
bin=${1:?binary}; cfg=${2:?GOMLX_BACKEND}; ndc=${3:-20}; nmlp=${4:-15}; nst=${5:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOMLX_BACKEND=$cfg
ok=0; hung=0; failed=0
run() { # name, command...
	local name=$1; shift
	local t0=$SECONDS
	timeout -s KILL 300 "$@" >"$work/log" 2>&1
	local rc=$?
	local why=ok
	if [ $rc -eq 137 ] || grep -q "no step finished" "$work/log"; then why=HUNG; hung=$((hung + 1))
	elif [ $rc -ne 0 ]; then why="FAILED rc=$rc: $(tail -1 "$work/log")"; failed=$((failed + 1))
	else ok=$((ok + 1)); fi
	echo "$cfg $name $((SECONDS - t0))s $why"
}
for i in $(seq "$ndc"); do
	run "dcgan#$i" "$bin" train --model dcgan --preset lesson --steps 40 --seed "$i" --sample-every 20 --checkpoint-every 20 --stall-timeout 60s --out "$work/dcgan$i"
done
for i in $(seq "$nmlp"); do
	run "mlp#$i" "$bin" train --model mlp --steps 300 --seed "$i" --sample-every 100 --checkpoint-every 100 --stall-timeout 60s --out "$work/mlp$i"
done
for i in $(seq "$nst"); do
	run "style#$i" "$bin" style --content "$root/docs/style-cat-scream.png" --style "$root/docs/mlp-mnist-5000.png" \
		--size 96 --steps 12 --weights random --seed "$i" --stall-timeout 60s --out "$work/style$i.png"
done
echo "summary $cfg: $((ok + hung + failed)) runs, $ok finished, $hung hung, $failed failed"
