"""The token stream of a generated conversation, rendered exactly as Longstream's Java runtime renders it.

docs/architecture.md, "Token stream": BOS, then each event's encoding in order; a document as its text; a turn as
render(previous, turn) minus render(previous) with the BOS string dropped; a query as a user turn plus the
generation prompt (it leaves no trace: later events do not see it). The demo sends each answer back as an assistant
turn; `echo_answers` reproduces that. Pure Python (no torch), so it is tested on any machine.
"""
import bisect
import json
import re

BOS = "<|begin|>"
EOS = "<|end|>"
SPECIAL_TOKENS = [BOS, EOS, "<|user|>", "<|assistant|>", "<|system|>"]
# The Jinja template written to tokenizer_config.json; render() below is the same function in Python.
CHAT_TEMPLATE = ("{{ bos_token }}{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] + "
                 "'<|end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}")
NOT_STATED = "I don't know"
DEPTH_BANDS = 4


def render(messages, add_generation_prompt):
    """CHAT_TEMPLATE rendered for (role, content) pairs."""
    text = BOS + "".join("<|" + role + "|>" + content + EOS for role, content in messages)
    return text + ("<|assistant|>" if add_generation_prompt else "")


def turn_text(previous, turn, generation_prompt=False):
    """What a turn adds to the stream (TokenStream.turnText): previous and turn are (role, content) or None."""
    if previous is None:
        text = render([turn], generation_prompt)
    else:
        before = render([previous], False)
        both = render([previous, turn], generation_prompt)
        text = both[len(before):] if both.startswith(before) else render([turn], generation_prompt)
    return text.replace(BOS, "")


def normalise(answer):
    """Answers.normalise: lower case, punctuation removed, white space collapsed, trimmed."""
    text = re.sub(r"[^\w\s]|_", "", answer.lower())
    return re.sub(r"\s+", " ", text).strip()


def depth_band(depth):
    """'0-25%' .. '75-100%', or 'none' for a question about something never stated."""
    if depth is None:
        return "none"
    b = min(DEPTH_BANDS - 1, int(depth * DEPTH_BANDS))
    step = 100 // DEPTH_BANDS
    return "%d-%d%%" % (b * step, (b + 1) * step)


def read_sessions(path):
    """The sessions of a JSON-lines file, in order: a list of (session id, [event dicts])."""
    sessions = []
    index = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            event = json.loads(line)
            sid = event["session"]
            if sid not in index:
                index[sid] = len(sessions)
                sessions.append((sid, []))
            sessions[index[sid]][1].append(event)
    return sessions


def pieces(events, echo_answers):
    """The session as text pieces in stream order, each encoded on its own as the runtime does.

    Yields ("ctx", text) for an event that enters the cache, ("echo", text) for an answer sent back as an assistant
    turn (it enters the cache too), and ("query", prompt, answer, event) for each query: the prompt is attended on top
    of the cache so far, the answer follows it and ends with EOS.
    """
    previous = None
    for e in events:
        kind = e["type"]
        if kind == "document":
            yield ("ctx", e["text"])
        elif kind == "turn":
            turn = (e["role"], e["text"])
            yield ("ctx", turn_text(previous, turn))
            previous = turn
        elif kind == "query":
            answer = e.get("expected")
            yield ("query", turn_text(previous, ("user", e["text"]), True), answer, e)
            if echo_answers and answer is not None:
                turn = ("assistant", answer)
                yield ("echo", turn_text(previous, turn))
                previous = turn
        elif kind == "control":
            raise ValueError("control events have no place in a training conversation: %r" % e)
        else:
            raise ValueError("unknown event type %r" % kind)


def prompt_ignores_previous(question="What is it?"):
    """Whether a query's prompt is the same whatever turn precedes it (true of CHAT_TEMPLATE): then a copy of a
    query asked at another place of the session is the same tokens."""
    turn = ("user", question)
    return len({turn_text(p, turn, True) for p in (None, ("user", "x"), ("assistant", "x"))}) == 1


def copy_floors(events):
    """For each query of the session, in order: how many of the session's non-query events must come before the same
    question asked earlier (a training-only extra, `copies`) for its expected answer to hold, or None when unknown.

    A single or updated fact holds from its latest statement on: `depth` is that statement's character offset over
    the text before the query (as ConversationGenerator counts it, rounded to 1e-4), which names the event holding it;
    one event more is asked for, as the rounding may point into the event before. Nothing stated holds from the
    first event on. A two-fact answer holds from the later of its statements, which the line does not give: None.
    """
    ends = []  # characters of text up to the end of each non-query event
    floors = []
    for e in events:
        if e["type"] != "query":
            ends.append((ends[-1] if ends else 0) + len(e["text"]))
            continue
        count = len(ends)
        kind = e.get("question_type")
        if kind == "not_stated":
            floors.append(min(1, count))
        elif kind in ("single", "updated") and e.get("depth") is not None and count:
            holder = bisect.bisect_right(ends, e["depth"] * ends[-1])
            floors.append(min(count, holder + 2))
        else:
            floors.append(None)
    return floors
