package io.emostream.models;

import java.nio.file.Path;

/** Loads any model directory, choosing the implementation by the manifest's modality. */
public final class ModelLoader {

    private ModelLoader() {}

    public static EmotionModel<?> load(Path modelDir, ModelOptions options) {
        return switch (ModelManifest.read(modelDir).modality()) {
            case SPEECH -> SpeechEmotionModel.load(modelDir, options);
            case TEXT -> TextEmotionModel.load(modelDir, options);
        };
    }
}
