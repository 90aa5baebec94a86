"""Fractional, lexicographic keys for the manual order of tasks (the board).

A key is a string of DIGITS compared byte by byte (the ``C`` collation): between any two keys
there is always another one, so placing a task between two others writes that task only.
Keys grow by about one character per six placements at the same spot; the re-spacing job
(``workspace.services.board.board_respace``) shortens the long ones.

A task that was never placed has no key of its own: it sorts by ``unplaced_key(number)``
(``"n"``, its number zero-padded, ``"V"``), so new tasks come first when columns are read in
descending key order, and nothing is written when a task is created. No key ends with the
lowest digit (generated keys never do, unplaced ones end with "V"): so there is always room
between two keys, and keys made between neighbours interleave with the unplaced ones."""

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {digit: i for i, digit in enumerate(DIGITS)}
MIDDLE = DIGITS[len(DIGITS) // 2]  # "V"
UNPLACED_PREFIX = "n"
UNPLACED_SUFFIX = "V"
NUMBER_WIDTH = 10
# A move that writes a key longer than LONG_KEY has the job re-space the order: every placed
# key longer than SHORT_KEY gets a new one, spread between the short keys around it (unplaced
# keys are 12 characters: always short). The column holds up to RANK_MAX_LENGTH.
LONG_KEY = 24
SHORT_KEY = 16
RANK_MAX_LENGTH = 255


def unplaced_key(number: int) -> str:
    """The key a task sorts by until it is placed (mirrors ``workspace.models.tasks.board_key``)."""
    return f"{UNPLACED_PREFIX}{number:0{NUMBER_WIDTH}d}{UNPLACED_SUFFIX}"


def is_key(value: str) -> bool:
    return bool(value) and len(value) <= RANK_MAX_LENGTH and all(c in _INDEX for c in value)


def key_between(before: str | None, after: str | None) -> str:
    """A key strictly between ``before`` and ``after`` (``None``: no bound on that side).
    The result never ends with the lowest digit, so there is always room below it too."""
    if before is not None and after is not None and not before < after:
        raise ValueError(f"{before!r} is not before {after!r}")
    if before is None and after is None:
        return unplaced_key(0)
    if after is None:
        return _after(before)
    if before is None:
        return _before(after)
    return _between(before, after)


def _after(key: str) -> str:
    """A short key past ``key``: its first digit that can grow, grown halfway to the top."""
    for i, char in enumerate(key):
        index = _INDEX[char]
        if index < len(DIGITS) - 1:
            grown = (index + len(DIGITS)) // 2
            if grown > index:
                return key[:i] + DIGITS[grown]
    return key + MIDDLE


def _before(key: str) -> str:
    """A short key before ``key``: between the empty string (below every key) and it."""
    return _between("", key)


def _between(low: str, high: str) -> str:
    """A key strictly between ``low`` and ``high`` (``low`` < ``high``), as short as the two
    allow: their common prefix, then a digit between theirs, or one more level."""
    prefix = []
    i = 0
    while True:
        low_digit = _INDEX[low[i]] if i < len(low) else 0
        high_digit = _INDEX[high[i]] if i < len(high) else len(DIGITS)
        if low_digit == high_digit:
            prefix.append(DIGITS[low_digit])
            i += 1
            continue
        if high_digit - low_digit > 1:
            return "".join(prefix) + DIGITS[(low_digit + high_digit) // 2]
        # Adjacent digits: keep the lower one and find room after the rest of ``low``, or take
        # the higher one and find room before the rest of ``high``, whichever is shorter.
        head = "".join(prefix)
        low_rest, high_rest = low[i + 1 :], high[i + 1 :]
        options = [head + DIGITS[low_digit] + (_after(low_rest) if low_rest else MIDDLE)]
        if high_rest and high_rest.strip(DIGITS[0]):
            options.append(head + DIGITS[high_digit] + _between("", high_rest))
        return min(options, key=len)


def keys_between(before: str | None, after: str | None, count: int) -> list[str]:
    """``count`` increasing keys strictly between ``before`` and ``after``, as short as
    possible (the middle one first, then each half): what re-spacing writes."""
    if count <= 0:
        return []
    middle = key_between(before, after)
    half = count // 2
    return [
        *keys_between(before, middle, half),
        middle,
        *keys_between(middle, after, count - half - 1),
    ]
