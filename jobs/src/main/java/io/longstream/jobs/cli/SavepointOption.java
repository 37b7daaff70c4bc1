package io.longstream.jobs.cli;

import io.longstream.operators.SavedSession;
import io.longstream.operators.SavedSessions;
import java.util.List;

/** What {@code inspect} and {@code replay} read: the sessions of the savepoint at {@code --savepoint}, checked. */
final class SavepointOption {
    static final String NAME = "--savepoint";
    static final String DESCRIPTION = "a savepoint or retained checkpoint of the pipeline (its folder, or its _metadata file)";

    private SavepointOption() {
    }

    /**
     * The sessions of the savepoint at {@code path}, or the one named {@code session}.
     *
     * @throws IllegalArgumentException naming --savepoint (no savepoint there, or no session operator in it) or --session
     *                                  (no such session in it)
     */
    static List<SavedSession> read(String path, String session, boolean withMemory) throws Exception {
        List<SavedSession> sessions;
        try {
            sessions = SavedSessions.read(path, session, withMemory);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(NAME + " " + e.getMessage(), e);
        }
        if (session != null && sessions.isEmpty()) {
            throw new IllegalArgumentException("--session " + session + ": the savepoint at " + path + " holds no such session");
        }
        return sessions;
    }
}
