"""torchvision classifiers exported to ONNX by torch.onnx.export, for CamSdk's ONNX importer tests.

Run from this folder with Debian 12's PyTorch and ONNX (apt-get install python3-torch python3-torchvision
python3-onnx: torch 1.13, torchvision 0.14, onnx 1.12):

    /usr/bin/python3 export_torchvision.py

Each model is built with 10 classes, filled with the fixed weights of
tests/CamSdk.Models.Tests/TestData/torchvision/make_reference.py (a value per element that C# computes bit-identically
from the state-dict key and the index: tests/Shared/Models/FixedWeights.cs), put in evaluation mode and
exported at 1x3x224x224 with a symbolic batch.

Two kinds of file:
- "<name>-opsetN.graph.onnx": exported with training=PRESERVE and no constant folding, so that every initializer is a
  state-dict tensor under its key (batch normalisation stays BatchNormalization nodes); the initializers' data is then
  removed (the file keeps their names, types and shapes), and the tests put the fixed weights back. These stay a few
  KB where the exports are 2 to 45 MB.
- "<name>-opsetN.onnx": the export as a user makes it (torch.onnx.export's defaults: evaluation mode, constant folding,
  batch normalisation folded into the convolutions), weights included, for the small models only.
"""
import importlib.util
import os

import onnx
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "torchvision_reference", os.path.join(HERE, "../../../CamSdk.Models.Tests/TestData/torchvision/make_reference.py"))
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)

# (architecture, opset): torchvision's exports at the opsets users meet (11 is torch 1.13's oldest common default in
# tutorials, 13 moves Split/Squeeze/Unsqueeze axes to inputs, 17 is torch 1.13's newest).
GRAPHS = [("resnet18", 13), ("squeezenet1_1", 11), ("mobilenet_v3_small", 17), ("shufflenet_v2_x0_5", 13)]
FULL = [("shufflenet_v2_x0_5", 11), ("squeezenet1_1", 17)]


def model(name):
    net = getattr(torchvision.models, name)(weights=None, num_classes=10)
    reference.fix_weights(net)
    return net.eval()


def export(name, opset, path, user_defaults):
    image = torch.zeros(1, 3, 224, 224)
    kwargs = dict(input_names=["image"], output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                  opset_version=opset)
    if not user_defaults:
        kwargs.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    torch.onnx.export(model(name), image, path, **kwargs)
    onnx.checker.check_model(onnx.load(path))


for name, opset in GRAPHS:
    path = os.path.join(HERE, f"{name}-opset{opset}.graph.onnx")
    export(name, opset, path, user_defaults=False)
    graph = onnx.load(path)
    for initializer in graph.graph.initializer:
        initializer.ClearField("raw_data")
        initializer.ClearField("float_data")
        initializer.ClearField("int64_data")
    onnx.save(graph, path)
    print(path, os.path.getsize(path), "bytes,", len(graph.graph.node), "nodes")

for name, opset in FULL:
    path = os.path.join(HERE, f"{name}-opset{opset}.onnx")
    export(name, opset, path, user_defaults=True)
    print(path, os.path.getsize(path), "bytes")
