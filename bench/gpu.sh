#!/usr/bin/env bash
# ganbook on XLA/CUDA beside PyTorch/CUDA, in one run of at most ~10 minutes.
#
# On the machine with the NVIDIA GPU (no internet needed), from the repository
# root, with a ganbook binary built beforehand on any Linux amd64 machine:
#
#   export GOTOOLCHAIN=go1.27.3                                # Go 1.27, fetched once by go
#   GOEXPERIMENT=simd go build -o out/ganbook ./cmd/ganbook   # cgo on: XLA is compiled in
#   GOEXPERIMENT=simd go test -c -o out/xla-nn.test ./internal/nn   # the XLA checks
#   GOEXPERIMENT=simd go test -c -o out/xla-gan.test ./gan
#   bench/gpu.sh [out/ganbook]
#
# It finds JAX's PJRT CUDA plugin (pip package jax-cuda13-pjrt or jax-cuda12-pjrt:
# jax_plugins/xla_cuda*/xla_cuda_plugin.so), points GoMLX at it by absolute path
# (its file name does not match go-xla's search patterns), and runs
# first the XLA checks (the layers and two training steps on XLA against the
# pure-Go backend: go test -run TestXLA), then `ganbook bench` with PyTorch on
# cuda. Results go to out/xla-check.log and out/bench-gpu.md.
set -euo pipefail
bin=${1:-out/ganbook}
out=${OUT:-out}
mkdir -p "$out"
[ -x "$bin" ] || { echo "gpu.sh: $bin is missing: build it first (see the top of this script)"; exit 2; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || { echo "gpu.sh: no NVIDIA GPU (nvidia-smi failed)"; exit 2; }

plugin=${PJRT_CUDA_PLUGIN:-}
if [ -z "$plugin" ]; then
	for py in python3 /usr/bin/python3; do
		command -v "$py" >/dev/null || continue
		plugin=$("$py" - <<'PY' 2>/dev/null || true
import glob, os, site, sys
dirs = site.getsitepackages() + [site.getusersitepackages()] + sys.path
for d in dirs:
    for f in glob.glob(os.path.join(d, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so")):
        print(f); raise SystemExit
PY
)
		[ -n "$plugin" ] && break
	done
fi
if [ -z "$plugin" ]; then
	plugin=$(find / -name xla_cuda_plugin.so -path '*jax_plugins*' 2>/dev/null | head -1 || true)
fi
[ -n "$plugin" ] || { echo "gpu.sh: no PJRT CUDA plugin found: pip install jax-cuda13-pjrt (or set PJRT_CUDA_PLUGIN=/abs/path/xla_cuda_plugin.so)"; exit 2; }
echo "PJRT CUDA plugin: $plugin"

# JAX's plugin finds CUDA's libraries in the nvidia-* pip packages beside it.
site=$(dirname "$(dirname "$(dirname "$plugin")")")
for cu in "$site/nvidia/cu13" "$site/nvidia/cuda_nvcc"; do
	if [ -d "$cu" ]; then
		export XLA_FLAGS="${XLA_FLAGS:-} --xla_gpu_cuda_data_dir=$cu"
		break
	fi
done
export GOMLX_BACKEND="xla:$plugin" GOPJRT_CUDA_CHECKS=0

# The XLA checks first: a bench of a backend that computes something else
# would mean nothing, so a failed check stops the script.
for t in "$(dirname "$bin")"/xla-nn.test "$(dirname "$bin")"/xla-gan.test; do
	if [ -x "$t" ]; then
		status=0
		GANBOOK_XLA_BACKEND="xla:$plugin" timeout 240 "$t" -test.run TestXLA -test.v >>"$out/xla-check.log" 2>&1 || status=$?
		grep -E '^(--- |ok|FAIL|PASS)|xla_test' "$out/xla-check.log" | tail -20
		if [ "$status" != 0 ]; then
			echo "gpu.sh: the XLA check $t FAILED (exit $status; $out/xla-check.log): XLA computes something else than the pure-Go backend, so no bench"
			exit 1
		fi
	else
		echo "gpu.sh: $t is missing: the XLA checks did not run (build them first, see the top of this script)" | tee -a "$out/xla-check.log"
	fi
done

python=${PYTHON:-python3}
torchdev=cuda
if ! "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
	echo "gpu.sh: PyTorch with CUDA is not available to $python: ganbook's side only"
	torchdev=none
fi

args=(bench --steps 20 --warmup 3 --out "$out/bench-gpu.md")
if [ "$torchdev" = cuda ]; then
	args+=(--device cuda --blas system --python "$(command -v "$python")")
else
	args+=(--torch=false)
fi
timeout 540 "$bin" "${args[@]}" 2>&1 | tee "$out/bench-gpu.log"
