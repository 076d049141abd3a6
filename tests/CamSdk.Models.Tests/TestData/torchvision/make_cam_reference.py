"""pytorch-grad-cam's maps on torchvision's models, for CamSdk's zoo agreement tests.

Run from this folder with Debian's PyTorch (torch 1.13, torchvision 0.14) and a checkout of jacobgil/pytorch-grad-cam
(its pytorch_grad_cam package on PYTHONPATH):

    PYTHONPATH=/path/to/pytorch-grad-cam /usr/bin/python3 make_cam_reference.py

It writes cams.json: for the smallest model of each family (10 classes, evaluation mode, the fixed weights of
make_reference.py) and a fixed input, the explained class (the highest-scoring one whose maps are all non-zero), and
at the default layer the maps of
Grad-CAM, Grad-CAM++, Eigen-CAM and Score-CAM after pytorch-grad-cam's scaling ((m - min) / (max + 1e-7)) at the
layer's resolution. The bilinear resize to the input's size is the one step left out (it would make the file 1,000
times larger); CamSdk's full-size agreement tests (tests/CamSdk.Tests/TestData/pytorch-grad-cam) cover it.

Score-CAM is recorded for the CNNs whose default layer has at most 576 channels (AlexNet, VGG, ResNet-18, SqueezeNet, MobileNet
v3 small, RegNet; one extra forward pass per channel: the others would take this script an hour on two cores).
Its perturbation passes are the model's own forward pass, which the logits reference checks for every family, and
CamSdk's own agreement tests compare Score-CAM on a small CNN and a small ViT.

torchvision's DenseNet rectifies the target layer's output in place (F.relu(features, inplace=True)), which overwrites
the activation pytorch-grad-cam holds: its maps would weigh the rectified output with the unrectified one's gradient.
The script replaces that ReLU by one not in place (the same logits), so the reference is the Grad-CAM of the layer.

Guided Backpropagation (pytorch-grad-cam's GuidedBackpropReLUModel) is recorded for the families whose every ReLU is
a torch.nn.ReLU module, the only ones it guides: every 13th value of the H x W x 3 gradient, and its sum and sum of
absolute values. torchvision's GoogLeNet, Inception v3 and DenseNet apply ReLUs functionally (F.relu), which
pytorch-grad-cam does not guide, so its result there is partly plain; CamSdk's zoo guides them all.

Transformers use the reshapes of pytorch-grad-cam's tutorials: vit_reshape_transform (class token dropped, 7 x 7 patch
grid for ViT-B/32); for torchvision's Swin, whose blocks keep an N x H x W x C layout (the tutorial's timm Swin is
N x L x C), the same transform is the permutation to N x C x H x W.
"""
import importlib.util
import json
import os
import sys

import types

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The fixed weights and input of the logits reference, and the pytorch-grad-cam set-up of CamSdk's own agreement
# tests (a faithful ttach for aug_smooth, the Eigen-CAM sign correction).
weights = load("torchvision_reference", os.path.join(HERE, "make_reference.py"))
pgc = load("pgc_reference", os.path.join(HERE, "../../../CamSdk.Tests/TestData/pytorch-grad-cam/make_reference.py"))

from pytorch_grad_cam import EigenCAM, GradCAM, GradCAMPlusPlus, GuidedBackpropReLUModel, ScoreCAM  # noqa: E402
from pytorch_grad_cam.base_cam import BaseCAM  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402
from pytorch_grad_cam.utils.reshape_transforms import vit_reshape_transform  # noqa: E402

# Maps at the layer's resolution: pytorch-grad-cam's scaling without its final resize.
BaseCAM.get_target_width_height = lambda self, input_tensor: None

# torchvision's DenseNet applies F.relu(features, inplace=True) right after the target layer, which overwrites the
# activation pytorch-grad-cam keeps (its hook stores the layer's output tensor itself): its maps then weigh the
# rectified norm5 output with the gradient of the unrectified one. The same ReLU, not in place, computes the same
# logits and leaves the captured activation as the layer output it is; CamSdk's maps are those.
torchvision.models.densenet.F = types.SimpleNamespace(**{**vars(torch.nn.functional), "relu": lambda x, inplace=False: torch.relu(x)})

# Family's smallest model: input side, default layer (CamSdk's ZooArchitecture.DefaultLayer), reshape, guided?
FAMILIES = [
    ("alexnet", 128, "features", None, True),
    ("vgg11_bn", 96, "features", None, True),
    ("resnet18", 96, "layer4", None, True),
    ("resnext50_32x4d", 96, "layer4", None, True),
    ("densenet121", 96, "features", None, False),
    ("googlenet", 96, "inception5b", None, False),
    ("inception_v3", 160, "Mixed_7c", None, False),
    ("mobilenet_v2", 96, "features", None, False),
    ("mobilenet_v3_small", 96, "features", None, False),
    ("mnasnet0_5", 96, "layers", None, True),
    ("shufflenet_v2_x0_5", 96, "conv5", None, True),
    ("squeezenet1_0", 96, "features", None, True),
    ("squeezenet1_1", 96, "features", None, True),
    ("efficientnet_b0", 96, "features", None, False),
    ("efficientnet_v2_s", 96, "features", None, False),
    ("regnet_x_400mf", 96, "trunk_output", None, True),
    ("regnet_y_400mf", 96, "trunk_output", None, True),
    ("convnext_tiny", 96, "features", None, False),
    ("vit_b_32", 224, "encoder.layers.encoder_layer_11.ln_1", lambda t: vit_reshape_transform(t, 7, 7), False),
    ("swin_t", 224, "features.7.1.norm1", lambda t: t.permute(0, 3, 1, 2), False),
]


def main():
    torch.set_num_threads(2)
    path = os.path.join(HERE, "cams.json")
    only = set(sys.argv[1:])  # families to compute again; the others are kept from cams.json
    result = {"torch": torch.__version__, "input": "uniform('input', 3 * side * side) as float32, 1x3xSxS", "families": {}}
    if only and os.path.exists(path):
        with open(path) as f:
            result["families"] = json.load(f)["families"]
    for name, side, layer_path, reshape, guided in FAMILIES:
        if only and name not in only:
            continue
        model = weights.build(name, num_classes=10).eval()
        weights.fix_weights(model)
        image = torch.from_numpy(weights.uniform("input", 3 * side * side).astype(np.float32).reshape(1, 3, side, side))
        with torch.no_grad():
            ranked = [int(c) for c in model(image)[0].argsort(descending=True)]
        layer = model.get_submodule(layer_path)
        channels = {}
        def count(module, inputs, output):
            channels["n"] = (reshape(output) if reshape else output).shape[1]  # returns None: the output stays

        hook = layer.register_forward_hook(count)
        with torch.no_grad():
            model(image)
        hook.remove()
        methods = [("gradcam", GradCAM), ("gradcam++", GradCAMPlusPlus), ("eigencam", EigenCAM)]
        if channels["n"] <= 576 and reshape is None:
            methods.append(("scorecam", ScoreCAM))
        # The highest-scoring class whose maps are all non-trivial (a map can be all zero after the ReLU).
        for predicted in ranked:
            targets = [ClassifierOutputTarget(predicted)]
            maps = {}
            for key, cls in methods:
                with cls(model=model, target_layers=[layer], reshape_transform=reshape) as cam:
                    cam.batch_size = 16  # Score-CAM's masked inputs per pass (its default); the others ignore it
                    maps[key] = cam(input_tensor=image, targets=targets)[0].tolist()
            if all(np.max(m) > 0.5 for m in maps.values()):
                break
        entry = {"side": side, "layer": layer_path, "class": predicted, "maps": maps}
        if guided:
            gradient = GuidedBackpropReLUModel(model, device="cpu")(image.clone(), target_category=predicted)
            flat = gradient.astype(np.float64).reshape(-1)
            entry["guided"] = {"shape": list(gradient.shape), "every13th": flat[::13].tolist(),
                               "sum": float(flat.sum()), "abs_sum": float(np.abs(flat).sum())}
        result["families"][name] = entry
        print(name, predicted, {k: float(np.max(v)) for k, v in maps.items()}, flush=True)
        with open(os.path.join(HERE, "cams.json"), "w") as f:
            json.dump(result, f)
            f.write("\n")


if __name__ == "__main__":
    main()
