"""Reference maps from pytorch-grad-cam for CamSdk's agreement tests.

Run from this folder with Debian's PyTorch (torch 1.13, torchvision 0.14) and a checkout of
jacobgil/pytorch-grad-cam (its pytorch_grad_cam package on PYTHONPATH):

    PYTHONPATH=/path/to/pytorch-grad-cam /usr/bin/python3 make_reference.py

It writes tiny_cnn.pth and tiny_vit.pth (torch.save of the state dicts) and reference.json (inputs,
targets and every map). The test suite reads those files and never needs Python.

Two things are set here on purpose:
- ttach (only used by aug_smooth) is replaced by a faithful minimal implementation of its Compose,
  HorizontalFlip and Multiply, since the package is not installed here.
- pytorch-grad-cam leaves the sign of the first principal component (Eigen-CAM, EigenGrad-CAM,
  eigen_smooth) to LAPACK. CamSdk fixes it with pytorch-grad-cam's own sign correction
  (get_2d_projection_with_sign_correction); the reference uses that function for get_2d_projection so
  that both sides make the same, reproducible choice.
"""
import itertools
import json
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# --- a minimal ttach -------------------------------------------------------------------------------
ttach = types.ModuleType("ttach")


class HorizontalFlip:
    params = [False, True]

    def augment(self, image, apply):
        return image.flip(3) if apply else image

    def deaugment_mask(self, mask, apply):
        return mask.flip(3) if apply else mask


class Multiply:
    def __init__(self, factors):
        self.params = factors

    def augment(self, image, factor):
        return image * factor

    def deaugment_mask(self, mask, factor):
        return mask


class _Merger:
    def __init__(self, transforms, params):
        self.transforms, self.params = transforms, params

    def augment_image(self, image):
        for t, p in zip(self.transforms, self.params):
            image = t.augment(image, p)
        return image

    def deaugment_mask(self, mask):
        for t, p in reversed(list(zip(self.transforms, self.params))):
            mask = t.deaugment_mask(mask, p)
        return mask


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __iter__(self):
        for params in itertools.product(*[t.params for t in self.transforms]):
            yield _Merger(self.transforms, params)


ttach.Compose, ttach.HorizontalFlip, ttach.Multiply = Compose, HorizontalFlip, Multiply
sys.modules["ttach"] = ttach

import pytorch_grad_cam  # noqa: E402
from pytorch_grad_cam import (AblationCAM, EigenCAM, EigenGradCAM, GradCAM, GradCAMElementWise,  # noqa: E402
                              GradCAMPlusPlus, HiResCAM, LayerCAM, ScoreCAM, XGradCAM)
from pytorch_grad_cam.ablation_layer import AblationLayerVit  # noqa: E402
from pytorch_grad_cam.utils import svd_on_activations  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402
from pytorch_grad_cam.utils.reshape_transforms import vit_reshape_transform  # noqa: E402

signed = svd_on_activations.get_2d_projection_with_sign_correction
for module in ["base_cam", "eigen_cam", "eigen_grad_cam", "hirescam", "grad_cam_elementwise", "layer_cam", "ablation_layer"]:
    m = sys.modules.get("pytorch_grad_cam." + module)
    if m is not None and hasattr(m, "get_2d_projection"):
        m.get_2d_projection = signed


# --- the models (CamSdk's tests build the same ones in TorchSharp) -----------------------------------
class TinyCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(6, 8, 3, padding=1), nn.ReLU())
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(self.features(x).mean((2, 3)))


class Block(nn.Module):
    def __init__(self, tokens, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mix = nn.Linear(tokens, tokens)
        self.mlp = nn.Linear(dim, dim)

    def forward(self, x):
        # Tokens are mixed before the norm: through a LayerNorm alone, a token's gradient is orthogonal to the
        # token (centred), which makes HiResCAM's maps vanish.
        x = x + self.mix(x.transpose(1, 2)).transpose(1, 2)
        return x + F.gelu(self.mlp(self.norm(x)))


class TinyVit(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, 8, 4, stride=4)
        self.cls = nn.Parameter(torch.randn(1, 1, 8) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, 17, 8) * 0.5)
        self.block1 = Block(17, 8)
        self.block2 = Block(17, 8)
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.block2(self.block1(x)))[:, 0])


def listed(array):
    return np.asarray(array, dtype=np.float64).round(9).tolist()


def run(cls, model, layers, x, targets, **kwargs):
    extra = {k: kwargs.pop(k) for k in ["aug_smooth", "eigen_smooth"] if k in kwargs}
    batch_size = kwargs.pop("batch_size", None)
    cam = cls(model=model, target_layers=layers, **kwargs)
    if batch_size is not None:
        cam.batch_size = batch_size
    return listed(cam(input_tensor=x, targets=[ClassifierOutputTarget(t) for t in targets], **extra))


def score_cam_paper(model, layer, x, targets):
    """The Score-CAM authors' code (haofanwang/Score-CAM), batched over images, with their normalisation."""
    acts = []
    handle = layer.register_forward_hook(lambda m, i, o: acts.append(o.detach()))
    with torch.no_grad():
        model(x)
    handle.remove()
    a = acts[0]
    maps = []
    for n in range(x.shape[0]):
        total = torch.zeros(a.shape[2:])
        for k in range(a.shape[1]):
            up = F.interpolate(a[n:n + 1, k:k + 1], size=x.shape[-2:], mode="bilinear", align_corners=False)
            if up.max() == up.min():
                continue
            mask = (up - up.min()) / (up.max() - up.min())
            with torch.no_grad():
                prob = F.softmax(model(x[n:n + 1] * mask), dim=1)[0, targets[n]]
            total += prob * a[n, k]
        maps.append(torch.relu(total).numpy())
    return np.float32(maps)


def main():
    torch.manual_seed(2017)
    cnn = TinyCnn()
    with torch.no_grad():
        bn = cnn.features[1]
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
    cnn.eval()
    x = torch.randn(2, 3, 16, 16)
    targets = [1, 3]
    layer = [cnn.features[5]]
    cnn_maps = {
        "GradCAM": run(GradCAM, cnn, layer, x, targets),
        "GradCAMPlusPlus": run(GradCAMPlusPlus, cnn, layer, x, targets),
        "XGradCAM": run(XGradCAM, cnn, layer, x, targets),
        "HiResCAM": run(HiResCAM, cnn, layer, x, targets),
        "GradCAMElementWise": run(GradCAMElementWise, cnn, layer, x, targets),
        "LayerCAM": run(LayerCAM, cnn, layer, x, targets),
        "EigenCAM": run(EigenCAM, cnn, layer, x, targets),
        "EigenGradCAM": run(EigenGradCAM, cnn, layer, x, targets),
        "ScoreCAM": run(ScoreCAM, cnn, layer, x, targets, batch_size=3),
        "AblationCAM": run(AblationCAM, cnn, layer, x, targets, batch_size=3),
        "LayerCAM@features.0": run(LayerCAM, cnn, [cnn.features[0]], x, targets),
        "GradCAM@features.3+features.5": run(GradCAM, cnn, [cnn.features[3], cnn.features[5]], x, targets),
        "GradCAM+eigen_smooth": run(GradCAM, cnn, layer, x, targets, eigen_smooth=True),
        "GradCAM+aug_smooth": run(GradCAM, cnn, layer, x, targets, aug_smooth=True),
    }
    paper = score_cam_paper(cnn, cnn.features[5], x, targets)
    from pytorch_grad_cam.utils.image import scale_cam_image
    cnn_maps["ScoreCAM(paper)"] = listed(scale_cam_image(scale_cam_image(paper, (16, 16))))
    torch.save(cnn.state_dict(), "tiny_cnn.pth")

    torch.manual_seed(2021)
    vit = TinyVit().eval()
    xv = torch.randn(2, 3, 16, 16)
    vit_targets = [2, 0]
    reshape = lambda t: vit_reshape_transform(t, 4, 4)  # noqa: E731
    # The first block: the second one mixes its tokens into the class token that the head reads, so its patch tokens
    # have gradients (the last block's would not: nothing after it mixes tokens).
    vit_layer = [vit.block1]
    vit_maps = {
        "GradCAM": run(GradCAM, vit, vit_layer, xv, vit_targets, reshape_transform=reshape),
        "HiResCAM": run(HiResCAM, vit, vit_layer, xv, vit_targets, reshape_transform=reshape),
        "EigenCAM": run(EigenCAM, vit, vit_layer, xv, vit_targets, reshape_transform=reshape),
        "ScoreCAM": run(ScoreCAM, vit, vit_layer, xv, vit_targets, reshape_transform=reshape, batch_size=4),
        "AblationCAM": run(AblationCAM, vit, vit_layer, xv, vit_targets, reshape_transform=reshape,
                           ablation_layer=AblationLayerVit(), batch_size=4),
    }
    torch.save(vit.state_dict(), "tiny_vit.pth")

    with open("reference.json", "w") as f:
        json.dump({
            "source": "pytorch-grad-cam " + getattr(pytorch_grad_cam, "__version__", "(main)") + ", torch " + torch.__version__,
            "cnn": {"input": listed(x), "targets": targets, "maps": cnn_maps},
            "vit": {"input": listed(xv), "targets": vit_targets, "maps": vit_maps},
        }, f)
    print("wrote tiny_cnn.pth, tiny_vit.pth and reference.json")


if __name__ == "__main__":
    main()
