package io.longstream.jobs.cli;

import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.operators.SavedSession;
import io.longstream.operators.SessionMeta;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.policy.PolicySpec;
import io.longstream.operators.SavedSessions;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine.ParseResult;

/**
 * What {@code inspect} and {@code replay} read: the sessions of the savepoint at {@code --savepoint}, checked, and the
 * job's settings a session was saved under.
 */
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

    /**
     * The job's settings as the session was saved under them (policy, chunk, dtype), the options where the state does
     * not record them; an option given that contradicts the state fails, naming it.
     */
    static PipelineSettings asSaved(PipelineSettings settings, SavedSession saved, ParseResult given) {
        SessionMeta meta = saved.meta;
        if (meta.savedJobPolicy != null) {
            settings.policy = saved(settings.policy, PolicySpec.parse(meta.savedJobPolicy), saved.sessionId, given,
                    Settings.POLICY, Settings.BUDGET);
        }
        if (meta.savedChunk > 0) {
            settings.chunk = saved(settings.chunk, meta.savedChunk, saved.sessionId, given, Settings.CHUNK);
        }
        if (meta.savedCacheDtype != null) {
            settings.cacheDtype = saved(settings.cacheDtype, CacheDtype.valueOf(meta.savedCacheDtype), saved.sessionId, given,
                    Settings.CACHE_DTYPE);
        }
        return settings;
    }

    private static <T> T saved(T option, T saved, String session, ParseResult given, Setting<?>... names) {
        for (Setting<?> name : names) {
            if (given.hasMatchedOption(name.name()) && !Objects.equals(option, saved)) {
                throw new IllegalArgumentException(name.name() + " contradicts the savepoint: session " + session + " was saved with "
                        + saved + ", the option gives " + option);
            }
        }
        return saved;
    }
}
