#!/usr/bin/env bash
# Cross-validate the CNN-LSTM fold by fold at low CPU priority, over as many sessions as it takes
# (issue 18). A fold takes about 1.5 h on 2 cores and a session at most 3 h, and nothing outside the
# repository outlives a session, so:
#   - finished folds are committed in bench/results/folds/cnn_lstm/fold_<k>.npz and restored from there;
#   - '--keep-partial' copies the checkpoint of the fold in progress (model, optimiser and data-order
#     state after its last finished epoch, about 8 MB) to bench/results/folds/cnn_lstm/partial/, to be
#     committed when a session must stop; the next run resumes from it, and it is deleted (and the
#     deletion committed) once its fold is done.
# Usage: tools/cnn_lstm_folds.sh [--keep-partial]   (FOLDS="4 5 6 1" and RUNS=runs/cv by default)
# Then merge the finished folds into the tables:
#   .venv/bin/emovoice evaluate --models cnn_lstm --folds <finished folds> --runs "$RUNS" --quiet
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-runs/cv}
KEPT=bench/results/folds/cnn_lstm
mkdir -p "$RUNS/cnn_lstm"
if [ "${1:-}" = "--keep-partial" ]; then
  for ckpt in "$RUNS"/cnn_lstm/fold_*/checkpoint.pt; do
    [ -f "$ckpt" ] || continue
    fold=$(basename "$(dirname "$ckpt")")
    [ -f "$RUNS/cnn_lstm/$fold.npz" ] && continue
    mkdir -p "$KEPT/partial/$fold" && cp "$ckpt" "$KEPT/partial/$fold/checkpoint.pt"
    echo "kept $KEPT/partial/$fold/checkpoint.pt: commit it"
  done
  exit 0
fi
for done_fold in "$KEPT"/fold_*.npz; do
  [ -f "$done_fold" ] && cp -n "$done_fold" "$RUNS/cnn_lstm/"
done
for ckpt in "$KEPT"/partial/fold_*/checkpoint.pt; do
  [ -f "$ckpt" ] || continue
  fold=$(basename "$(dirname "$ckpt")")
  [ -f "$RUNS/cnn_lstm/$fold/checkpoint.pt" ] || { mkdir -p "$RUNS/cnn_lstm/$fold"; cp "$ckpt" "$RUNS/cnn_lstm/$fold/"; }
done
for fold in ${FOLDS:-4 5 6 1}; do
  [ -f "$KEPT/fold_$fold.npz" ] && continue
  nice -n 19 .venv/bin/emovoice evaluate --models cnn_lstm --folds "$fold" --runs "$RUNS" \
    --out "$RUNS/tables" --quiet
  if [ -f "$RUNS/cnn_lstm/fold_$fold.npz" ]; then
    cp "$RUNS/cnn_lstm/fold_$fold.npz" "$KEPT/"
    rm -rf "$KEPT/partial/fold_$fold"
    echo "fold $fold done: commit $KEPT/fold_$fold.npz"
  fi
done
