package io.longstream.state.cache;

/** Which index RoPE rotates a cached key by (kv-policies §1). */
public enum RopeMode {
    /** The entry's original token position. */
    ORIGINAL,
    /** The entry's rank among the positions its (layer, KV head) keeps (StreamingLLM's positions within the cache). */
    RANK
}
