"""pytorch-grad-cam's Grad-CAM on one torchvision model per family, 224x224, batch 1, random weights, CPU: the Python
side of benchmarks/README.md's zoo table, run in the same session as ZooBenchmarks.

    PYTHONPATH=/path/to/pytorch-grad-cam /usr/bin/python3 benchmarks/zoo/pytorch_grad_cam_zoo.py [--onednn off]

Debian 12's torch 1.13 and torchvision 0.14, 2 threads (as TorchSharp uses here); the median of 7 runs after 2
warm-ups, for Grad-CAM at pytorch-grad-cam's target layer of the family and for a plain forward pass under no_grad.
Peak resident memory (VmHWM) while one Grad-CAM call or one forward pass runs, each in a fresh process. `--onednn off` runs
without oneDNN (torch.backends.mkldnn.enabled = False), as the CamSdk side does on a machine whose oneDNN convolution
gradients are wrong, so that both sides run the same kind of kernels.
"""
import json
import statistics
import subprocess
import sys
import time
import types

import torch
import torchvision
# ttach serves only aug_smooth, which is not timed here; Debian does not package it.
ttach = sys.modules.setdefault("ttach", types.ModuleType("ttach"))
for _name in ("Compose", "HorizontalFlip", "Multiply"):
    setattr(ttach, _name, getattr(ttach, _name, lambda *args, **kwargs: None))

from pytorch_grad_cam import GradCAM  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402
from pytorch_grad_cam.utils.reshape_transforms import vit_reshape_transform  # noqa: E402

MODELS = {
    "resnet50": (lambda m: m.layer4, None),
    "densenet121": (lambda m: m.features, None),
    "efficientnet_b0": (lambda m: m.features, None),
    "mobilenet_v3_large": (lambda m: m.features, None),
    "convnext_tiny": (lambda m: m.features, None),
    "vit_b_16": (lambda m: m.encoder.layers[-1].ln_1, lambda t: vit_reshape_transform(t, 14, 14)),
    "swin_t": (lambda m: m.features[-1][-1].norm1, lambda t: t.permute(0, 3, 1, 2)),
}


ONEDNN = "--onednn" not in sys.argv or sys.argv[sys.argv.index("--onednn") + 1] != "off"


def setup(name):
    torch.backends.mkldnn.enabled = ONEDNN
    torch.set_num_threads(2)
    torch.manual_seed(1)
    model = getattr(torchvision.models, name)(weights=None).eval()
    layer, reshape = MODELS[name]
    return model, layer(model), reshape, torch.randn(1, 3, 224, 224)


def timed(function, runs=7, warmups=2):
    for _ in range(warmups):
        function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def child(name, scenario):
    model, layer, reshape, image = setup(name)
    # The peak while the call runs, with the model in memory, not the temporary peak of its random initialisation
    # (Linux resets VmHWM on "5"; ru_maxrss is never reset), as PeakMemory.cs's zoo mode measures it.
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    if scenario == "forward":
        with torch.no_grad():
            model(image)
    else:
        with GradCAM(model=model, target_layers=[layer], reshape_transform=reshape) as cam:
            cam(input_tensor=image, targets=[ClassifierOutputTarget(281)])
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(peak / 1024 / 1024)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3])
        return
    results = {}
    for name in MODELS:
        model, layer, reshape, image = setup(name)
        with torch.no_grad():
            forward = timed(lambda: model(image))
        with GradCAM(model=model, target_layers=[layer], reshape_transform=reshape) as cam:
            gradcam = timed(lambda: cam(input_tensor=image, targets=[ClassifierOutputTarget(281)]))
        peaks = {s: float(subprocess.run([sys.executable, __file__, "child", name, s] + sys.argv[1:], capture_output=True, text=True,
                                         check=True).stdout.split()[-1]) for s in ("forward", "gradcam")}
        results[name] = {"forward_ms": forward, "gradcam_ms": gradcam, "peak_forward_gb": peaks["forward"], "peak_gradcam_gb": peaks["gradcam"]}
        print(name, json.dumps(results[name]), flush=True)
    print(json.dumps({"torch": torch.__version__, "threads": 2, "onednn": ONEDNN, "results": results}, indent=1))


if __name__ == "__main__":
    main()
