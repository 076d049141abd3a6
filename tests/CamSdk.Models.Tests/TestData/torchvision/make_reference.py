"""Reference data from torchvision 0.14 for CamSdk's model zoo tests.

Run from this folder with Debian 12's PyTorch (apt-get install python3-torch python3-torchvision: torch 1.13,
torchvision 0.14):

    /usr/bin/python3 make_reference.py

It writes two files (the test suite never needs Python):

- src/CamSdk.Models/Zoo/torchvision-keys.tsv.gz: for every classification builder of torchvision (1000 classes, its
  default arguments), each state_dict key with its tensor's shape, one line "architecture<TAB>key<TAB>d0,d1,...".
  CamSdk.Models embeds it to tell which architecture a weights file holds; the tests hold the zoo's builders to it.
- logits.json: for the smallest size of each family, built with 10 classes and put in evaluation mode, the
  logits of one fixed 224x224 input with the fixed weights below.

Why fixed weights and not a committed torch.save file: the smallest model of each family holds 0.4 to 130
million parameters (2 MB to 500 MB), too much to commit. Every tensor of the state dict is instead filled with a
value that both sides compute exactly, in integer arithmetic and IEEE double rounded once to float32, from the
tensor's key and the element's index (see `values` below; the C# twin is tests/Shared/Models/FixedWeights.cs).
So the C# model receives bit-identical weights to the Python one, and the logits compare the two computations.
"""
import gzip
import json
import math

import numpy as np
import torch
import torchvision

ARCHITECTURES = [
    "alexnet",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
    "densenet121", "densenet161", "densenet169", "densenet201",
    "googlenet", "inception_v3",
    "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
    "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
    "squeezenet1_0", "squeezenet1_1",
    "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
    "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
    "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
    "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf",
    "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf",
    "regnet_y_32gf", "regnet_y_128gf",
    "convnext_tiny", "convnext_small", "convnext_base", "convnext_large",
    "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32",
    "swin_t", "swin_s", "swin_b",
]

# The smallest size of each family (and the variants whose code differs: batch norm in VGG, groups in ResNeXt,
# SqueezeNet 1.0 against 1.1, RegNet X against Y, EfficientNet against EfficientNet V2).
LOGITS = [
    "alexnet", "vgg11_bn", "resnet18", "resnext50_32x4d", "densenet121", "googlenet", "inception_v3",
    "mobilenet_v2", "mobilenet_v3_small", "mnasnet0_5", "shufflenet_v2_x0_5", "squeezenet1_0", "squeezenet1_1",
    "efficientnet_b0", "efficientnet_v2_s", "regnet_x_400mf", "regnet_y_400mf", "convnext_tiny", "vit_b_32", "swin_t",
]

MASK = (1 << 64) - 1


def fnv1a32(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def uniform(key, count):
    """count values in [-1, 1), each a multiple of 2^-23: splitmix64 of (index * golden + FNV-1a(key))."""
    with np.errstate(over="ignore"):
        h = np.arange(count, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(fnv1a32(key))
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return (h >> np.uint64(40)).astype(np.float64) / 16777216.0 * 2.0 - 1.0


def values(key, shape):
    """The fixed value of every element of a state-dict tensor, by the tensor's role (its key and rank)."""
    count = int(np.prod(shape)) if len(shape) > 0 else 1
    u = uniform(key, count)
    if key.endswith("running_var"):
        v = 0.5 + 0.25 * (u + 1.0)
    elif key.endswith("running_mean"):
        v = 0.1 * u
    elif len(shape) <= 1 and key.endswith("weight"):
        v = 1.0 + 0.1 * u
    elif len(shape) <= 1:
        v = 0.1 * u
    else:
        fan_in = count // shape[0]
        v = u * math.sqrt(3.0 / fan_in)
    return v.astype(np.float32).reshape(shape)


def fix_weights(model):
    state = model.state_dict()
    with torch.no_grad():
        for key, tensor in state.items():
            if tensor.dtype.is_floating_point:
                tensor.copy_(torch.from_numpy(values(key, tuple(tensor.shape))))


def build(name, **kwargs):
    return getattr(torchvision.models, name)(weights=None, **kwargs)


def main():
    torch.set_num_threads(2)
    lines = []
    for name in ARCHITECTURES:
        model = build(name)
        for key, tensor in model.state_dict().items():
            lines.append(f"{name}\t{key}\t{','.join(str(d) for d in tensor.shape)}")
        del model
        print("keys", name, flush=True)
    with gzip.GzipFile("../../../../src/CamSdk.Models/Zoo/torchvision-keys.tsv.gz", "wb", mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))

    image = torch.from_numpy(uniform("input", 3 * 224 * 224).astype(np.float32).reshape(1, 3, 224, 224))
    logits = {}
    for name in LOGITS:
        model = build(name, num_classes=10).eval()
        fix_weights(model)
        with torch.no_grad():
            logits[name] = [float(v) for v in model(image)[0]]
        print("logits", name, logits[name][:3], flush=True)
    with open("logits.json", "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__,
                   "input": "uniform('input', 3 * 224 * 224) as float32, shaped 1x3x224x224", "logits": logits}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
