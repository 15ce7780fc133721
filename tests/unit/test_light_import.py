import subprocess
import sys


def test_import_emojigen_is_light():
    """`import emojigen` must not pull in torch, diffusers or gradio (DESIGN: nothing heavy at import)."""
    code = ("import sys, emojigen; heavy = [m for m in ('torch', 'diffusers', 'gradio', 'transformers') "
            "if m in sys.modules]; print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
