package io.longstream.operators;

import io.longstream.schemas.MemoryUpdate;
import io.longstream.schemas.Rejected;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/** The side outputs the operators write besides their main stream. */
public final class Outputs {
    public static final OutputTag<MemoryUpdate> MEMORY = new OutputTag<>("memory", new AvroTypeInfo<>(MemoryUpdate.class));
    public static final OutputTag<Rejected> REJECTS = new OutputTag<>("rejects", new AvroTypeInfo<>(Rejected.class));

    private Outputs() {
    }
}
