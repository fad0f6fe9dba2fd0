"""The supervisor probe: everything of redline that imports torch or transformers, behind one wall.

supervisor (the small LM, loaded once) · features (windows -> token features) · cache (supervisor outputs
by content) · span_probe (the probe network, its weights and card on disk) · scorer (`Scorer`: text + spans
-> calibrated probabilities) · testing (a real Scorer on a tiny random Llama, for tests).

Nothing outside this package imports it except scoring.registry, which does so lazily when the settings
name the probe, and training/probe, which trains the probe and compares it on wild data. The
rest of redline, the default PR model included, runs on the core install without torch
(tests/test_torch_wall.py). This file imports nothing, so the package's torch-free pieces stay cheap.
"""
