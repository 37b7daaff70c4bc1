package io.longstream.jobs.bench;

/** Greedy decoding that goes on from where it stopped: ours in this process, or Jlama's in the peer. */
@FunctionalInterface
interface Decoder {
    /** Decodes the next {@code tokens} tokens; returns the seconds they took. */
    double decode(int tokens);
}
