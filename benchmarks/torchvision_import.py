"""torchvision models, exported to ONNX by torch, imported by sqnxt-sim: MACs against an
independent count (issue 12). Needs torch and torchvision; not part of the test suite.

    python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.14.1 torchvision==0.29.1 onnx onnxscript
    /tmp/torchenv/bin/pip install -e .          # sqnxt-sim itself, in the same venv
    /tmp/torchenv/bin/python benchmarks/torchvision_import.py [--models a,b] [--json FILE]

Every model is built with random weights (weights=None: nothing is downloaded) and exported
four ways: the classic TorchScript exporter with and without constant folding (opset 17),
and the dynamo exporter optimized and not. The independent count walks the PyTorch modules
with forward hooks: Conv2d (output elements x in/groups x kernel), Linear (output elements x
in_features) and MultiheadAttention (input and output projections, Q K^T and A V), so it
shares nothing with the importer. torchvision's own figure (``GFLOPS`` in its model docs,
which are multiply-accumulates / 1e9) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

MODELS = ("shufflenet_v2_x1_0", "efficientnet_b0", "mobilenet_v3_large", "mobilenet_v3_small", "convnext_tiny",
          "vit_b_16", "resnet18", "mobilenet_v2", "squeezenet1_0", "regnet_y_400mf")
EXPORTS = ("classic", "classic-unfolded", "dynamo", "dynamo-unoptimized")


def independent_macs(model, example) -> int:
    import torch  # noqa: PLC0415

    total = [0]

    def conv(module, inputs, output):
        total[0] += output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)

    def linear(module, inputs, output):
        total[0] += output.numel() * module.in_features

    def attention(module, inputs, output):
        query = inputs[0]  # (batch, tokens, embed) with batch_first
        batch, tokens, embed = query.shape if module.batch_first else (query.shape[1], query.shape[0], query.shape[2])
        total[0] += batch * tokens * embed * 3 * embed  # in_proj
        total[0] += 2 * batch * tokens * tokens * embed  # Q K^T and A V over all heads
        total[0] += batch * tokens * embed * embed  # out_proj (called functionally, not as a module)

    handles = []
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            handles.append(module.register_forward_hook(conv))
        elif isinstance(module, torch.nn.MultiheadAttention):
            handles.append(module.register_forward_hook(attention))
        elif isinstance(module, torch.nn.Linear) and not isinstance(module, torch.nn.modules.linear.NonDynamicallyQuantizableLinear):
            handles.append(module.register_forward_hook(linear))
    with torch.no_grad():
        model(example)
    for handle in handles:
        handle.remove()
    return total[0]


def export(model, example, path: Path, how: str) -> None:
    import torch  # noqa: PLC0415

    if how.startswith("classic"):
        torch.onnx.export(model, (example,), str(path), opset_version=17, dynamo=False,
                          do_constant_folding=how == "classic")
    else:
        torch.onnx.export(model, (example,), str(path), dynamo=True, optimize=how == "dynamo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--exports", default=",".join(EXPORTS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import torch  # noqa: PLC0415
    import torchvision  # noqa: PLC0415

    from sqnxt_sim import InputError  # noqa: PLC0415
    from sqnxt_sim.workload.onnx.read import load_onnx  # noqa: PLC0415

    torch.manual_seed(0)
    results = []
    print(f"{'model':22s} {'export':19s} {'independent':>14s} {'sqnxt-sim':>14s} {'ratio':>8s} {'layers':>6s} "
          f"{'not modelled':>12s}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            model = getattr(torchvision.models, name)(weights=None).eval()
            example = torch.randn(1, 3, 224, 224)
            expected = independent_macs(model, example)
            for how in args.exports.split(","):
                path = Path(tmp) / f"{name}-{how}.onnx"
                row = {"model": name, "export": how, "independent_macs": expected}
                try:
                    export(model, example, path, how)
                except Exception as error:  # noqa: BLE001 - an exporter failure is a result too
                    row.update(result="export failed", detail=str(error).splitlines()[0][:160])
                else:
                    start = time.perf_counter()
                    try:
                        net = load_onnx(path)
                    except InputError as error:
                        row.update(result="refused", detail=str(error)[:300])
                    else:
                        row.update(result="imported", sqnxt_macs=net.macs, layers=len(net.layers),
                                   unmodelled=sorted({op["op_type"] for op in net.unmodelled}),
                                   import_seconds=round(time.perf_counter() - start, 2))
                results.append(row)
                macs = row.get("sqnxt_macs")
                ratio = f"{macs / expected:.6f}" if macs else "-"
                shown = row.get("detail", "") if row["result"] != "imported" else ",".join(row["unmodelled"]) or "-"
                print(f"{name:22s} {how:19s} {expected:14,d} {macs or 0:14,d} {ratio:>8s} {row.get('layers', 0):6d} "
                      f"{'':>12s}  {row['result']}: {shown[:200]}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    sys.exit(0)


if __name__ == "__main__":
    main()
