"""Speech synthesis for short voice memos: the ``espeak-ng`` program, Mandarin voice.

espeak-ng is a system package (``apt-get install espeak-ng``), not a Python one; when it is
missing the memo degrades to text with a clear message instead of failing the job.
"""

from __future__ import annotations

import shutil
import subprocess

VOICE = "cmn"  # espeak-ng's Mandarin; "zh" is accepted as an alias on older releases
INSTALL_HINT = ("未安装语音合成程序 espeak-ng，语音备忘未生成（已发送文字） / espeak-ng is not "
                "installed on the server, so the memo was sent as text only "
                "(apt-get install espeak-ng)")


class VoiceUnavailable(Exception):
    """No synthesiser, or it failed; the message says which and what to do."""


def synthesize(text: str, *, voice: str = VOICE, program: str = "espeak-ng",
               timeout: float = 30.0) -> bytes:
    """WAV bytes of ``text`` spoken by espeak-ng."""
    binary = shutil.which(program)
    if binary is None:
        raise VoiceUnavailable(INSTALL_HINT)
    for candidate in (voice, "zh"):
        try:
            done = subprocess.run([binary, "-v", candidate, "-s", "150", "--stdout", text],
                                  capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise VoiceUnavailable(f"espeak-ng failed: {exc}") from None
        if done.returncode == 0 and done.stdout.startswith(b"RIFF"):
            return done.stdout
    message = done.stderr.decode(errors="replace").strip()[:300]
    raise VoiceUnavailable(f"espeak-ng could not speak Mandarin: {message}")
