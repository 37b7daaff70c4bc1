package io.longstream.operators;

import org.apache.flink.api.common.state.ValueState;

/** A {@link ValueState} in a field, for a session run outside Flink (a replay) through the operator's own stores. */
final class HeapValueState<T> implements ValueState<T> {
    private T value;

    HeapValueState(T value) {
        this.value = value;
    }

    @Override
    public T value() {
        return value;
    }

    @Override
    public void update(T value) {
        this.value = value;
    }

    @Override
    public void clear() {
        value = null;
    }
}
