"""Tests of conversation_stream (no torch needed): python3 -m unittest training/test_conversation_stream.py"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conversation_stream as cs  # noqa: E402


class ConversationStreamTest(unittest.TestCase):
    def test_render_is_the_jinja_template(self):
        try:
            import jinja2
        except ImportError:
            self.skipTest("jinja2 is not installed")
        env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
        template = env.from_string(cs.CHAT_TEMPLATE)
        messages = [("user", "Hi, my locker number is 4821."), ("assistant", "Noted."), ("user", "What is it?")]
        for gen in (False, True):
            for n in range(1, 4):
                expected = template.render(messages=[{"role": r, "content": c} for r, c in messages[:n]],
                                           add_generation_prompt=gen, bos_token=cs.BOS, eos_token=cs.EOS)
                self.assertEqual(expected, cs.render(messages[:n], gen))

    def test_a_turn_is_what_the_template_adds_without_bos(self):
        self.assertEqual("<|user|>hi<|end|>", cs.turn_text(None, ("user", "hi")))
        self.assertEqual("<|assistant|>yes<|end|>", cs.turn_text(("user", "hi"), ("assistant", "yes")))
        self.assertEqual("<|user|>why?<|end|><|assistant|>", cs.turn_text(("assistant", "yes"), ("user", "why?"), True))

    def test_pieces_follow_the_stream_contract(self):
        events = [{"type": "turn", "role": "user", "text": "My locker number is 12."},
                  {"type": "document", "text": "A note."},
                  {"type": "query", "text": "What is my locker number?", "expected": "12"},
                  {"type": "turn", "role": "assistant", "text": "Ok."}]
        plain = list(cs.pieces(events, echo_answers=False))
        self.assertEqual(("ctx", "<|user|>My locker number is 12.<|end|>"), plain[0])
        self.assertEqual(("ctx", "A note."), plain[1])
        self.assertEqual(("query", "<|user|>What is my locker number?<|end|><|assistant|>", "12"), plain[2][:3])
        self.assertEqual(("ctx", "<|assistant|>Ok.<|end|>"), plain[3])
        echoed = list(cs.pieces(events, echo_answers=True))
        self.assertEqual(("echo", "<|assistant|>12<|end|>"), echoed[3], "the demo sends the answer back as a turn")
        self.assertEqual(5, len(echoed))

    def test_a_prompt_is_the_same_whatever_turn_precedes_it(self):
        self.assertTrue(cs.prompt_ignores_previous())

    def test_copy_floors_name_the_events_after_which_an_answer_holds(self):
        text = "x" * 99 + "."                                   # 100 characters an event
        turn = {"type": "turn", "role": "user", "text": text}
        events = [turn] * 6 + [
            # the fact starts at character 250 of 600: event 2 holds it, so a copy may come after 4 events
            {"type": "query", "text": "q", "expected": "v", "question_type": "single", "depth": 250 / 600},
            {"type": "query", "text": "q", "expected": "v", "question_type": "updated", "depth": 599 / 600},
            {"type": "query", "text": "q", "expected": "I don't know", "question_type": "not_stated"},
            {"type": "query", "text": "q", "expected": "a and b", "question_type": "two_facts", "depth": 0.1},
            turn,
            {"type": "query", "text": "q", "expected": "v", "question_type": "single", "depth": 0.0}]
        self.assertEqual([4, 6, 1, None, 2], cs.copy_floors(events))
        self.assertEqual([0], cs.copy_floors([{"type": "query", "text": "q", "expected": "I don't know",
                                               "question_type": "not_stated"}]))
        self.assertEqual([None], cs.copy_floors([{"type": "query", "text": "q"}]), "a query without an answer")

    def test_normalise_matches_the_java_answers(self):
        self.assertEqual("i dont know", cs.normalise("  I don't know. "))
        self.assertEqual("the garden of ashford", cs.normalise("The  Garden of\tAshford!"))
        self.assertEqual("1115", cs.normalise("11:15"))

    def test_depth_bands(self):
        self.assertEqual("0-25%", cs.depth_band(0.0))
        self.assertEqual("75-100%", cs.depth_band(1.0))
        self.assertEqual("50-75%", cs.depth_band(0.5))
        self.assertEqual("none", cs.depth_band(None))

    def test_read_sessions_groups_lines_by_session_in_order(self):
        lines = [{"session": "a", "type": "turn", "role": "user", "text": "x"},
                 {"session": "b", "type": "turn", "role": "user", "text": "y"},
                 {"session": "a", "type": "query", "text": "q", "expected": "x", "question_type": "single"}]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write("# comment\n\n" + "\n".join(json.dumps(l) for l in lines) + "\n")
        try:
            sessions = cs.read_sessions(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(["a", "b"], [s for s, _ in sessions])
        self.assertEqual(2, len(sessions[0][1]))


if __name__ == "__main__":
    unittest.main()
