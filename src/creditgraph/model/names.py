"""Normalised names, so one subject spelt differently in two sources matches.

:func:`normalize_text` (addresses, person names): NFKC (full-width → half-width, compatibility
ideographs → unified), all whitespace and zero-width characters removed, every kind of bracket
→ ``()``, name dots (``•・‧``) → ``·``, Latin letters upper-cased, traditional → simplified
(OpenCC ``t2s``). :func:`normalize_name` (enterprise and organisation names) adds the
company-form rules in :data:`NAME_RULES` (有限责任公司 → 有限公司; 股份有限公司 stays apart).

Both are idempotent. OpenCC's ``t2s`` on its own is not (``乾縣`` → ``乾县`` → ``干县``: a phrase
rule keeps 乾 once, the character rule changes it on a second pass), so it is applied until the
text stops changing. The result is a matching key, not a display form.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from typing import Any

# Applied in order, each until it no longer matches. The first is the common variant of the
# limited-liability form; 股份有限公司 (joint-stock) is a different legal form and is left alone.
NAME_RULES: tuple[tuple[str, str], ...] = (
    ("有限责任公司", "有限公司"),
)

# NFKC has already turned （）［］｛｝ into ASCII by the time this table applies.
_TRANSLATE: dict[int, Any] = {ord(c): "(" for c in "[{【〔〖〘〚⦅"}
_TRANSLATE.update({ord(c): ")" for c in "]}】〕〗〙〛⦆"})
_TRANSLATE.update({ord(c): "·" for c in "•‧・∙⋅●"})  # middle dots between parts of a name
_TRANSLATE.update({c: None for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)})
_TRANSLATE.update({c: c - 32 for c in range(ord("a"), ord("z") + 1)})

_MAX_ROUNDS = 8  # t2s chains are at most a few steps long; this only bounds a surprise

_converter: Any = None
_trigger: frozenset[str] = frozenset()
_lock = threading.Lock()


def _t2s() -> tuple[Any, frozenset[str]]:
    """The OpenCC converter and the characters that can make it change a text.

    Built on first use: constructing it reads the dictionaries from disk. A character can cause
    a change only if the character table maps it elsewhere, or a phrase that contains it maps
    that position elsewhere (覆 is kept alone but 反覆 → 反复). Text with none of them comes back
    unchanged, so it skips the slow conversion: most mainland names take that path.
    """
    global _converter, _trigger
    if _converter is None:
        with _lock:
            if _converter is None:
                from opencc import OpenCC

                converter = OpenCC("t2s")
                trigger: set[str] = set()
                try:
                    # one group of (max_len, min_len, mapping) per conversion step; a value may
                    # list candidates separated by spaces, and OpenCC takes the first
                    for group in converter._dict_chain_data:
                        for _max, _min, mapping in group:
                            for key, value in mapping.items():
                                out = value.split(" ")[0]
                                if len(out) != len(key):
                                    trigger.update(key)
                                else:
                                    trigger.update(k for k, v in zip(key, out) if k != v)
                except (AttributeError, TypeError, ValueError):
                    trigger = set()  # layout changed: fall back to converting everything
                _trigger = frozenset(trigger)
                _converter = converter
    return _converter, _trigger


def _to_simplified(text: str) -> str:
    converter, trigger = _t2s()
    for _ in range(_MAX_ROUNDS):
        if trigger and trigger.isdisjoint(text):
            return text
        converted = converter.convert(text)
        if converted == text:
            return text
        text = converted
    return text


def _one_pass(text: str, rules: tuple[tuple[str, str], ...]) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split()).translate(_TRANSLATE)
    text = _to_simplified(text)
    for old, new in rules:
        while old in text:
            text = text.replace(old, new)
    return text


def _normalize(text: str, rules: tuple[tuple[str, str], ...]) -> str:
    # Repeat until nothing changes: removing spaces can join a combining mark to a new base
    # character (NFKC then composes them), and a rule can leave a new phrase for OpenCC. The
    # extra pass is cheap for the usual name and is what makes the result idempotent.
    for _ in range(_MAX_ROUNDS):
        result = _one_pass(text, rules)
        if result == text:
            return result
        text = result
    return text


@functools.lru_cache(maxsize=1 << 17)
def normalize_text(text: str) -> str:
    """Matching key for an address or a person's name (see the module docstring).

    >>> normalize_text("成都市 錦江區　春熙路【東段】８號")
    '成都市锦江区春熙路(东段)8号'
    """
    return _normalize(text, ())


@functools.lru_cache(maxsize=1 << 17)
def normalize_name(name: str) -> str:
    """Matching key for an enterprise or organisation name: :func:`normalize_text` plus
    :data:`NAME_RULES`.

    >>> normalize_name("四川 長虹電器（四川）有限責任公司")
    '四川长虹电器(四川)有限公司'
    """
    return _normalize(name, NAME_RULES)
