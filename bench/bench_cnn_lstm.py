"""Time training steps of the seed CNN-LSTM on this machine's CPU.

Run: ``.venv/bin/python bench/bench_cnn_lstm.py`` (writes bench/results/cnn_lstm_step.json).
It explains why the CNN-LSTM's six-fold cross-validation is not run on the 2-core CPU.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import torch

from emovoice.training.recipes import make_recipe

sys.path.insert(0, str(Path(__file__).parent))
import machine

WINDOWS_PER_FOLD_EPOCH = 1_195  # 5/6 of the 1,434 clips; each (at most 2.39 s here) is one padded window
EPOCHS, FOLDS, BATCH = 30, 6, 32


def main() -> None:
    torch.manual_seed(0)
    model = make_recipe("cnn_lstm").build_network(0)  # channels-last, as in training
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(BATCH, 5, 128, 128) * 10 - 40, torch.randint(0, 8, (BATCH,))
    times = []
    for _ in range(4):
        t0 = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        times.append(time.perf_counter() - t0)
    step = statistics.median(times[1:])
    epoch_min = step * WINDOWS_PER_FOLD_EPOCH / BATCH / 60
    result = {"date": dt.date.today().isoformat(), "command": "python bench/bench_cnn_lstm.py",
              "machine": f"{machine.describe()}, torch {torch.__version__}",
              "threads": torch.get_num_threads(), "step_s_batch32": round(step, 2),
              "epoch_min_per_fold": round(epoch_min, 1),
              "full_cv_hours": round(epoch_min * EPOCHS * FOLDS / 60, 1)}
    out = Path(__file__).parent / "results" / "cnn_lstm_step.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
