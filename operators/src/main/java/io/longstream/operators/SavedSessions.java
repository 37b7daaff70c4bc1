package io.longstream.operators;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The sessions a savepoint or retained checkpoint of the pipeline holds, read with Flink's State Processor API from
 * the session operator's state (RocksDB) in a batch job on this machine.
 */
public final class SavedSessions {
    private SavedSessions() {
    }

    /**
     * The sessions under the session operator in the savepoint at {@code path}, by session id.
     *
     * @param only one session to read, or null for all
     * @param withMemory whether to read the sessions' pages and episodes themselves (a replay), not only what they weigh
     * @throws IllegalArgumentException when there is no savepoint at {@code path} or it holds no session operator
     */
    public static List<SavedSession> read(String path, String only, boolean withMemory) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        DataStream<SavedSession> sessions;
        try {
            SavepointReader savepoint = SavepointReader.read(env, path, new EmbeddedRocksDBStateBackend());
            sessions = savepoint.readKeyedState(OperatorIdentifier.forUid(SessionStateDescriptors.OPERATOR_UID),
                    new SavedSessionReader(only, withMemory));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
        List<SavedSession> read = new ArrayList<>();
        try (CloseableIterator<SavedSession> it = sessions.collectAsync()) {
            env.execute("read sessions of " + path);
            it.forEachRemaining(s -> {
                if (s.meta != null) {
                    read.add(s);
                }
            });
        }
        read.sort(Comparator.comparing(s -> s.sessionId));
        return read;
    }
}
