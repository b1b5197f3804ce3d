"""A small ONNX interpreter written with PyTorch ops: runs the langchain4j jar's ONNX encoder (fp32 or dynamically
quantised int8) without ONNX Runtime, as the independent reference for the Java parity fixtures.

Only the operators these BERT exports use are implemented (Constant, Shape, Gather, Unsqueeze, Concat, Reshape,
Transpose, Slice, Cast, Add/Sub/Mul/Div/Pow/Sqrt/Erf, ReduceMean, Softmax, MatMul, DynamicQuantizeLinear,
MatMulInteger, DequantizeLinear), following the ONNX operator definitions: integer maths is exact (int64),
DynamicQuantizeLinear rounds half to even as the spec says.

  from onnx_torch_eval import OnnxTorch
  enc = OnnxTorch.from_jar(jar)            # or OnnxTorch(onnx.ModelProto)
  h = enc(input_ids[1,T] long)             # last_hidden_state [1,T,H] float32
"""
import zipfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

DT = {1: torch.float32, 2: torch.uint8, 3: torch.int8, 6: torch.int32, 7: torch.int64, 9: torch.bool,
      11: torch.float64}


def _attr(n, name, default=None):
    for a in n.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


class OnnxTorch:
    def __init__(self, model: onnx.ModelProto):
        self.g = model.graph
        self.init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in self.g.initializer}

    @staticmethod
    def from_jar(jar: str) -> "OnnxTorch":
        with zipfile.ZipFile(jar) as z:
            name = [n for n in z.namelist() if n.endswith(".onnx")][0]
            return OnnxTorch(onnx.load_model_from_string(z.read(name)))

    @torch.no_grad()
    def __call__(self, input_ids: torch.Tensor, outputs=None) -> torch.Tensor:
        v = dict(self.init)
        v["input_ids"] = input_ids.long()
        v["attention_mask"] = torch.ones_like(v["input_ids"])
        v["token_type_ids"] = torch.zeros_like(v["input_ids"])
        for n in self.g.node:
            ins = [v[i] if i else None for i in n.input]
            out = self._op(n, ins)
            if not isinstance(out, (list, tuple)):
                out = [out]
            for name, val in zip(n.output, out):
                v[name] = val
        name = outputs or self.g.output[0].name
        return v[name]

    def _op(self, n, x):
        op = n.op_type
        if op == "Constant":
            return torch.from_numpy(numpy_helper.to_array(_attr(n, "value")).copy())
        if op == "Shape":
            return torch.tensor(list(x[0].shape), dtype=torch.int64)
        if op == "Gather":
            axis = _attr(n, "axis", 0)
            idx = x[1].long()
            return torch.index_select(x[0], axis, idx.reshape(-1)).reshape(
                list(x[0].shape[:axis]) + list(idx.shape) + list(x[0].shape[axis + 1:]))
        if op == "Unsqueeze":
            axes = _attr(n, "axes") if _attr(n, "axes") is not None else x[1].tolist()
            y = x[0]
            for a in sorted(a % (y.dim() + len(axes)) for a in axes):
                y = y.unsqueeze(a)
            return y
        if op == "Concat":
            return torch.cat([t.reshape(1) if t.dim() == 0 else t for t in x], _attr(n, "axis"))
        if op == "Reshape":
            shape = x[1].tolist()
            shape = [x[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
            return x[0].reshape(shape)
        if op == "Transpose":
            return x[0].permute(_attr(n, "perm")).contiguous()
        if op == "Slice":
            y = x[0]
            starts, ends = x[1].tolist(), x[2].tolist()
            axes = x[3].tolist() if len(x) > 3 and x[3] is not None else list(range(len(starts)))
            steps = x[4].tolist() if len(x) > 4 and x[4] is not None else [1] * len(starts)
            sl = [slice(None)] * y.dim()
            for s, e, a, st in zip(starts, ends, axes, steps):
                dim = y.shape[a]
                s = max(0, min(dim, s + dim if s < 0 else s))
                e = max(0, min(dim, e + dim if e < 0 else e))
                sl[a] = slice(s, e, st)
            return y[tuple(sl)]
        if op == "Cast":
            return x[0].to(DT[_attr(n, "to")])
        if op in ("Add", "Sub", "Mul", "Div", "Pow"):
            a, b = x
            if op == "Div" and not a.is_floating_point():
                return torch.div(a, b, rounding_mode="trunc")
            return {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div, "Pow": torch.pow}[op](a, b)
        if op == "Sqrt":
            return torch.sqrt(x[0])
        if op == "Erf":
            return torch.erf(x[0])
        if op == "ReduceMean":
            return x[0].mean(dim=_attr(n, "axes"), keepdim=bool(_attr(n, "keepdims", 1)))
        if op == "Softmax":
            return torch.softmax(x[0], _attr(n, "axis", -1))
        if op == "MatMul":
            return torch.matmul(x[0], x[1])
        if op == "DynamicQuantizeLinear":
            t = x[0]
            lo = torch.clamp(t.min(), max=0.0)
            hi = torch.clamp(t.max(), min=0.0)
            scale = (hi - lo) / 255.0
            zp = torch.clamp(torch.round(0.0 - lo / scale), 0, 255)
            q = torch.clamp(torch.round(t / scale) + zp, 0, 255)
            return q.to(torch.uint8), scale.to(torch.float32), zp.to(torch.uint8)
        if op == "MatMulInteger":
            a = x[0].long() - (x[2].long() if len(x) > 2 and x[2] is not None else 0)
            b = x[1].long() - (x[3].long() if len(x) > 3 and x[3] is not None else 0)
            return torch.matmul(a, b).to(torch.int32)
        if op == "DequantizeLinear":
            return ((x[0].to(torch.int32) - x[2].to(torch.int32)).to(torch.float32) * x[1])
        raise NotImplementedError(op)
