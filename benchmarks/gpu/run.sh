#!/usr/bin/env bash
# CamSdk's GPU check, for a machine with an NVIDIA GPU (no GPU or CUDA package is served where CamSdk is built):
#   1. the CUDA tests (skipped on machines without CUDA): every [CudaFact], named Cuda…, across the test projects;
#   2. GpuCheck: ResNet-50's maps on the GPU against the CPU's (TF32 off and on), then forward, Grad-CAM, seven gradient
#      methods from one call and Guided Backpropagation at batch 1 and 32 (results in benchmarks/gpu/results.md).
#
# Needs the .NET 10 SDK, the NVIDIA driver, and a CUDA libtorch 2.10 (what TorchSharp 0.107 is built on): a PyTorch 2.10
# installation (pip install "torch==2.10.*" --index-url https://download.pytorch.org/whl/cu128) is found through
# python3, or name its lib folder in CAMSDK_LIBTORCH. Everything is built on TorchSharp alone (-p:CamSdkLibTorch=external)
# so that the process runs on that libtorch (README.md, "CUDA").
#   benchmarks/gpu/run.sh [cuda|cuda:N]
# A dry run where there is no GPU (the CUDA tests skip; GpuCheck compares the CPU with itself, batch 4, 2 timed runs):
#   CAMSDK_LIBTORCH=~/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native GPU_CHECK_OUT=/tmp/dry.md benchmarks/gpu/run.sh cpu quick
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
device="${1:-cuda}"
quick="${2:-}"
out="${GPU_CHECK_OUT:-benchmarks/gpu/results.md}"

if [ -z "${CAMSDK_LIBTORCH:-}" ]; then
  CAMSDK_LIBTORCH=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2> /dev/null) || {
    echo "No CAMSDK_LIBTORCH and no PyTorch for python3: install PyTorch 2.10 with CUDA, or set CAMSDK_LIBTORCH to a CUDA libtorch 2.10's lib folder." >&2
    exit 2
  }
fi
export CAMSDK_LIBTORCH
echo "== libtorch: $CAMSDK_LIBTORCH"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "nvidia-smi not found"

status=0
echo "== the CUDA tests"
for project in CamSdk.Tests CamSdk.Models.Tests CamSdk.Onnx.Tests CamSdk.Evaluation.Tests CamSdk.Cli.Tests; do
  dotnet test "tests/$project" -c Release -p:CamSdkLibTorch=external --filter "FullyQualifiedName~Cuda" --logger "console;verbosity=normal" || status=1
done

echo "== GpuCheck (ResNet-50)"
dotnet run -c Release --project benchmarks/CamSdk.Benchmarks -p:CamSdkLibTorch=external -- gpu "$device" "$out" $quick || status=1
exit $status
