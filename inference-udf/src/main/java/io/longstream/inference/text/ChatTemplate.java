package io.longstream.inference.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.longstream.inference.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model's chat template from {@code tokenizer_config.json}, rendered by Jinjava with the
 * settings Hugging Face uses (trim_blocks, lstrip_blocks, {@code raise_exception}).
 */
public final class ChatTemplate {
    /** One chat message. */
    public record Message(String role, String content) {
    }

    private static final Jinjava JINJA = newEngine();

    private final String template;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = template;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** The template of a model folder, or empty when it has none. */
    public static Optional<ChatTemplate> load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode config = new ObjectMapper().readTree(file.toFile());
            String template = templateText(config.get("chat_template"));
            if (template == null) {
                return Optional.empty();
            }
            return Optional.of(new ChatTemplate(template, tokenText(config.get("bos_token")), tokenText(config.get("eos_token"))));
        } catch (IOException e) {
            throw new ModelFormatException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    /** The BOS token's text ("" when the model has none): the token stream adds BOS itself. */
    public String bosToken() {
        return bosToken;
    }

    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Message m : messages) {
            Map<String, Object> entry = new HashMap<>();
            entry.put("role", m.role());
            entry.put("content", m.content());
            list.add(entry);
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", list);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        try {
            return JINJA.render(template, vars);
        } catch (RuntimeException e) {
            throw refusalIn(e);
        }
    }

    /** The template's own refusal (raise_exception) when the engine wrapped it, else the engine's error. */
    private static RuntimeException refusalIn(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TemplateRefusedException) {
                return (TemplateRefusedException) t;
            }
        }
        if (e instanceof FatalTemplateErrorsException) {
            for (TemplateError error : ((FatalTemplateErrorsException) e).getErrors()) {
                for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                    if (t instanceof TemplateRefusedException) {
                        return (TemplateRefusedException) t;
                    }
                }
            }
        }
        return e;
    }

    /** Called by templates that refuse a conversation, as in Hugging Face. */
    public static String raiseException(String message) {
        throw new TemplateRefusedException("chat template refused the conversation: " + message);
    }

    /** A template's raise_exception: the conversation breaks the model's rules (e.g. roles must alternate). */
    public static final class TemplateRefusedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        TemplateRefusedException(String message) {
            super(message);
        }
    }

    private static Jinjava newEngine() {
        Jinjava jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        return jinjava;
    }

    /** {@code chat_template} is a string, or a list of {name, template} of which "default" is the chat one. */
    private static String templateText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        for (JsonNode named : node) {
            if ("default".equals(named.path("name").asText())) {
                return named.path("template").asText();
            }
        }
        return null;
    }

    /** A special token is written as a string or as an object with its "content". */
    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        return node.isTextual() ? node.asText() : node.path("content").asText("");
    }
}
