package io.longstream.operators;

/** The kinds of work a step of one session does; a failed step's reason opens with the label of the one that threw. */
enum StepKind {
    RESTORE("cannot restore the session from state"),
    TOKENIZE("cannot tokenize the event"),
    PREFILL("prefill failed"),
    ANSWER("answer failed"),
    CONTROL("control failed"),
    SET_POLICY("SET_POLICY failed"),
    PERSIST("persisting the session failed");

    final String label;

    StepKind(String label) {
        this.label = label;
    }
}
