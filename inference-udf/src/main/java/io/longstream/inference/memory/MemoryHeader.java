package io.longstream.inference.memory;

import java.util.List;

/**
 * The small part of a memory that is not pages or segments, written whole at every snapshot: what a one-cache
 * policy remembers between chunks, and epicache's layer budgets (fixed when the session started, so a restore
 * never re-reads a profile) and open segment. A memory leaves empty what it does not use.
 */
public record MemoryHeader(long[] policyState, int[] layerBudgets, List<String> openUtterances) {
    public MemoryHeader {
        policyState = policyState.clone();
        layerBudgets = layerBudgets.clone();
        openUtterances = List.copyOf(openUtterances);
    }
}
