package io.emostream.models;

import java.util.List;

/**
 * A text to score with what was said before it in the same recording.
 *
 * @param text    the utterance
 * @param speaker its speaker, or null when unknown
 * @param context previous turns, most recent last (as they were said); a model uses at most its manifest's
 *                {@code context.turns} most recent ones and ignores blank ones
 */
public record TextInput(String text, String speaker, List<Turn> context) {

    public TextInput {
        context = context == null ? List.of() : List.copyOf(context);
    }

    public static TextInput of(String text) {
        return new TextInput(text, null, List.of());
    }

    /** One previous turn: who said what (speaker may be null). */
    public record Turn(String speaker, String text) {}
}
