package io.longstream.conversations;

/** A query of a generated file and what it should be answered. */
public record ExpectedAnswer(String session, String queryId, String question, String expected, QuestionType questionType,
                             double depth) {
    public boolean isAnsweredBy(String answer) {
        return Answers.matches(expected, answer);
    }
}
