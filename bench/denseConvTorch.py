"""PyTorch reference for bench/denseConv.ts: the ResNets of bench/denseConvStack.ts (NCHW, same
layers, batch, loss and Nesterov SGD), trained on one thread.

Serves requests on stdin, one per line, and answers each with one JSON line on stdout:
  train <blocks> <batch> <steps>    -> {"ms": [per-step ms]}   (the first request per model warms up)
  profile <blocks> <batch>          -> {"kernels": [[op, ms], ...]}   (one profiled step, self CPU time)
  quit
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
WIDTHS = (16, 32, 64)
STRIDES = (1, 2, 2)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(h))
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class ResNet(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        layers, cin = [], 16
        for cout, stride in zip(WIDTHS, STRIDES):
            for i in range(blocks):
                layers.append(BasicBlock(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(x.mean((2, 3)))


models = {}


def setup(blocks, batch):
    key = (blocks, batch)
    if key not in models:
        torch.manual_seed(1)
        model = ResNet(blocks).train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
        x = torch.rand(batch, 1, 28, 28)
        y = torch.randint(0, 10, (batch,))
        models[key] = (model, opt, x, y)
        for _ in range(3):
            step(models[key])
    return models[key]


def step(m):
    model, opt, x, y = m
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def main():
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == 'quit':
            break
        if parts[0] == 'train':
            m = setup(int(parts[1]), int(parts[2]))
            ms = []
            for _ in range(int(parts[3])):
                t0 = time.perf_counter()
                step(m)
                ms.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({'ms': ms}), flush=True)
        elif parts[0] == 'profile':
            m = setup(int(parts[1]), int(parts[2]))
            with torch.autograd.profiler.profile() as prof:
                step(m)
            rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
            print(json.dumps({'kernels': [[e.key, e.self_cpu_time_total / 1000] for e in rows[:10]]}), flush=True)
        else:
            print(json.dumps({'error': f'unknown request {parts[0]}'}), flush=True)


if __name__ == '__main__':
    main()
