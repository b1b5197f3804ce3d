package io.emostream.models.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.EmotionLabels;
import io.emostream.models.Prediction;
import io.emostream.models.SpeechEmotionModel;
import io.emostream.models.TestModels;
import io.emostream.models.TextEmotionModel;
import io.emostream.models.TextInput;
import io.emostream.models.audio.AudioFileReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs the evaluation command on tiny generated manifests and recomputes every number independently from the
 * model's single-item predictions.
 */
class EvaluateCommandTest {

    @TempDir
    Path dir;

    private static final List<Emotion> FOUR = new ArrayList<>(Emotion.FOUR_CLASS);

    @Test
    void speechManifestMetricsAreExact() throws Exception {
        String[] labels = {"calm", "angry", "happy", "sad", "surprised", "neutral", "powerful"};
        StringBuilder csv = new StringBuilder("file,corpus,speaker,gender,emotion_original,emotion4,text,duration_s\n");
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            Path f = dir.resolve("clips").resolve("u" + i + ".wav");
            Files.createDirectories(f.getParent());
            TestModels.writeWav(f, TestModels.tone(8000 + 9000 * i, 110 + 40 * i, i), 16000);
            files.add(f);
            csv.append("clips/u")
                    .append(i)
                    .append(".wav,gen,s1,x,")
                    .append(labels[i])
                    .append(",,t,1\n");
        }
        csv.append("clips/missing.wav,gen,s1,x,angry,angry,t,1\n");
        Path manifest = dir.resolve("manifest.csv");
        Files.writeString(manifest, csv);
        Path json = dir.resolve("out").resolve("eval.json");

        String printed = run(
                "--model",
                TestModels.ser().toString(),
                "--manifest",
                manifest.toString(),
                "--json",
                json.toString(),
                "--batch",
                "3");

        int[][] cm7 = new int[7][7];
        int[][] cm4 = new int[4][4];
        try (SpeechEmotionModel m = SpeechEmotionModel.load(TestModels.ser(), TestModels.CPU)) {
            for (int i = 0; i < labels.length; i++) {
                Emotion truth = EmotionLabels.toCanonical(labels[i]).orElse(null);
                if (truth == null) {
                    continue;
                }
                Prediction p = m.predict(AudioFileReader.read(files.get(i), 16000));
                cm7[truth.ordinal()][p.canonical().label().ordinal()]++;
                if (truth.inFourClass()) {
                    cm4[FOUR.indexOf(truth)][
                            FOUR.indexOf(p.canonical().fourClass().label())]++;
                }
            }
        }
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("evaluated").asInt()).isEqualTo(6);
        assertThat(j.path("skippedUnmappable").asInt()).isEqualTo(1);
        assertThat(j.path("unmappableLabels").path("powerful").asInt()).isEqualTo(1);
        assertThat(j.path("failed").asInt()).isEqualTo(1);
        assertExact(j.path("sevenClass"), cm7);
        assertExact(j.path("fourClass"), cm4);
        assertThat(printed)
                .contains("6 rows evaluated, 1 skipped (unmappable label), 1 failed")
                .contains("7-class")
                .contains("4-class")
                .contains("wrote");
    }

    @Test
    void textManifestWithSplitFilterIsExact() throws Exception {
        Path manifest = dir.resolve("meld.csv");
        Files.writeString(manifest, """
                text,emotion_original,emotion4,split,speaker,dialogue_id,utterance_id,sentiment
                "Oh, my God, I can't believe it!",joy,happy,test,A,0,0,positive
                I hate you so much.,anger,angry,test,A,0,1,negative
                "He said ""no"",
                 and left.",sadness,sad,test,B,0,2,negative
                Whatever you want.,neutral,neutral,test,B,0,3,neutral
                Wait what?,surprise,,test,A,0,4,positive
                I feel powerful today.,Powerful,,test,A,0,5,positive
                This row is in train.,joy,happy,train,A,1,0,positive
                """);
        Path json = dir.resolve("t.json");
        run(
                "--model",
                TestModels.ter().toString(),
                "--manifest",
                manifest.toString(),
                "--json",
                json.toString(),
                "--filter",
                "split=test",
                "--batch",
                "2");
        int[][] cm7 = new int[7][7];
        int[][] cm4 = new int[4][4];
        List<String> texts = List.of(
                "Oh, my God, I can't believe it!",
                "I hate you so much.",
                "He said \"no\",\n and left.",
                "Whatever you want.",
                "Wait what?");
        List<Emotion> truths = List.of(Emotion.HAPPY, Emotion.ANGRY, Emotion.SAD, Emotion.NEUTRAL, Emotion.SURPRISE);
        try (TextEmotionModel m = TextEmotionModel.load(TestModels.ter(), TestModels.CPU)) {
            for (int i = 0; i < texts.size(); i++) {
                Prediction p = m.predict(texts.get(i));
                Emotion truth = truths.get(i);
                cm7[truth.ordinal()][p.canonical().label().ordinal()]++;
                if (truth.inFourClass()) {
                    cm4[FOUR.indexOf(truth)][
                            FOUR.indexOf(p.canonical().fourClass().label())]++;
                }
            }
        }
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertThat(j.path("evaluated").asInt()).isEqualTo(5);
        assertThat(j.path("skippedUnmappable").asInt()).isEqualTo(1);
        assertExact(j.path("sevenClass"), cm7);
        assertExact(j.path("fourClass"), cm4);

        run(
                "--model",
                TestModels.ter().toString(),
                "--manifest",
                manifest.toString(),
                "--json",
                json.toString(),
                "--limit",
                "2");
        assertThat(new ObjectMapper().readTree(json.toFile()).path("evaluated").asInt())
                .isEqualTo(2);
    }

    @Test
    void contextComesFromTheDialogueAndScoresArePerRow() throws Exception {
        Path manifest = dir.resolve("dialogue.csv");
        // rows out of order on purpose: the context follows utterance_id within split + dialogue_id
        Files.writeString(manifest, """
                text,emotion_original,split,speaker,dialogue_id,utterance_id
                Really?,surprise,test,B,7,1
                I got the job!,joy,test,A,7,0
                That's amazing!,joy,test,B,7,2
                Really?,surprise,test,B,8,0
                """);
        Path scores = dir.resolve("scores.csv");
        run(
                "--model",
                TestModels.ter().toString(),
                "--manifest",
                manifest.toString(),
                "--context",
                "true",
                "--scores",
                scores.toString());
        List<String> lines = Files.readAllLines(scores);
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).isEqualTo("key,truth,neutral,happy,sad,angry,fear,disgust,surprise");
        try (TextEmotionModel m = TextEmotionModel.load(TestModels.ter(), TestModels.CPU)) {
            List<TextInput> expected = List.of(
                    new TextInput("Really?", "B", List.of(new TextInput.Turn("A", "I got the job!"))),
                    TextInput.of("I got the job!"),
                    new TextInput(
                            "That's amazing!",
                            "B",
                            List.of(new TextInput.Turn("A", "I got the job!"), new TextInput.Turn("B", "Really?"))),
                    TextInput.of("Really?"));
            List<Prediction> ps = m.predictWithContext(expected);
            for (int row = 0; row < 4; row++) {
                String[] cells = lines.get(row + 1).split(",");
                assertThat(cells[0]).isEqualTo(Integer.toString(row));
                double[] p = ps.get(row).canonical().toArray();
                for (int c = 0; c < 7; c++) {
                    assertThat(Double.parseDouble(cells[2 + c]))
                            .as("row %d class %d", row, c)
                            .isCloseTo(p[c], org.assertj.core.api.Assertions.within(1e-6));
                }
            }
            if (m.contextTurns() > 0) {
                assertThat(lines.get(1))
                        .as("'Really?' after good news vs alone")
                        .isNotEqualTo(lines.get(4).replaceFirst("^3,", "0,"));
            }
        }
    }

    @Test
    void speakerOptionScoresEachSpeakersRowsTogether() throws Exception {
        String[] labels = {"angry", "happy", "sad", "neutral", "fear", "calm", "powerful"};
        StringBuilder csv = new StringBuilder("file,speaker,emotion_original\n");
        int min;
        try (SpeechEmotionModel m = SpeechEmotionModel.load(TestModels.ser(), TestModels.CPU)) {
            min = m.speakerMinUtterances();
        }
        assertThat(min).isGreaterThan(1);
        // speaker s1: exactly the minimum (speaker-aware; one row with an unmappable label is still reference),
        // s2: below it, and one row without a speaker (both speaker-independent)
        List<float[]> s1 = new ArrayList<>();
        List<float[]> rest = new ArrayList<>();
        for (int i = 0; i < min + 3; i++) {
            float[] a = TestModels.tone(6000 + 700 * (i % 13), 100 + 9 * i, i);
            Path f = dir.resolve("s").resolve("u" + i + ".wav");
            Files.createDirectories(f.getParent());
            TestModels.writeWav(f, a, 16000);
            String speaker = i < min ? "s1" : i < min + 2 ? "s2" : "";
            (i < min ? s1 : rest).add(AudioFileReader.read(f, 16000));
            csv.append("s/u").append(i).append(".wav,").append(speaker).append(',');
            csv.append(i == 3 ? "powerful" : labels[i % 6]).append('\n');
        }
        Path manifest = dir.resolve("speakers.csv");
        Files.writeString(manifest, csv);
        Path scores = dir.resolve("speaker-scores.csv");
        String printed = run(
                "--model",
                TestModels.ser().toString(),
                "--manifest",
                manifest.toString(),
                "--speaker",
                "true",
                "--scores",
                scores.toString());
        assertThat(printed)
                .contains("(speaker-aware)")
                .contains("2 speakers, " + min + " rows scored relative to their speaker, 3 speaker-independent");
        List<String> lines = Files.readAllLines(scores);
        assertThat(lines).hasSize(min + 3); // header + every row but the unmappable one
        try (SpeechEmotionModel m = SpeechEmotionModel.load(TestModels.ser(), TestModels.CPU)) {
            List<Prediction> aware = m.predictSpeaker(s1);
            List<Prediction> alone = m.predict(rest);
            List<Prediction> expected = new ArrayList<>(aware);
            expected.remove(3);
            expected.addAll(alone);
            List<Prediction> plain = m.predict(s1);
            assertThat(aware.get(0).modelProbabilities())
                    .isNotEqualTo(plain.get(0).modelProbabilities());
            for (int row = 0; row < expected.size(); row++) {
                String[] cells = lines.get(row + 1).split(",");
                double[] p = expected.get(row).canonical().toArray();
                for (int c = 0; c < 7; c++) {
                    assertThat(Double.parseDouble(cells[2 + c]))
                            .as("row %d class %d", row, c)
                            .isCloseTo(p[c], org.assertj.core.api.Assertions.within(1e-6));
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> EvaluateCommand.parse(new String[] {"--model", "x"}))
                .hasMessageContaining("--manifest");
        assertThatThrownBy(() ->
                        EvaluateCommand.parse(new String[] {"--model", "x", "--manifest", "y", "--filter", "nope"}))
                .hasMessageContaining("column=value");
        assertThatThrownBy(() -> EvaluateCommand.parse(new String[] {"--bogus", "1"}))
                .hasMessageContaining("unknown");
    }

    private static String run(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EvaluateCommand.run(EvaluateCommand.parse(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Recomputes accuracy, UA and weighted F1 from the confusion matrix and compares exactly. */
    private static void assertExact(JsonNode report, int[][] cm) {
        int k = cm.length;
        long n = 0;
        long tp = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                n += cm[i][j];
                assertThat(report.path("confusion").get(i).get(j).asLong())
                        .as("cm[%d][%d]", i, j)
                        .isEqualTo(cm[i][j]);
            }
            tp += cm[i][i];
        }
        double recallSum = 0;
        int present = 0;
        double wf1 = 0;
        for (int c = 0; c < k; c++) {
            long support = 0;
            long predicted = 0;
            for (int j = 0; j < k; j++) {
                support += cm[c][j];
                predicted += cm[j][c];
            }
            double recall = support == 0 ? 0 : (double) cm[c][c] / support;
            double precision = predicted == 0 ? 0 : (double) cm[c][c] / predicted;
            if (support > 0) {
                recallSum += recall;
                present++;
            }
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            wf1 += f1 * support;
        }
        assertThat(report.path("n").asLong()).isEqualTo(n);
        assertThat(report.path("accuracy").asDouble()).isEqualTo(n == 0 ? 0 : (double) tp / n);
        assertThat(report.path("unweightedAccuracy").asDouble()).isEqualTo(present == 0 ? 0 : recallSum / present);
        assertThat(report.path("weightedF1").asDouble()).isEqualTo(n == 0 ? 0 : wf1 / n);
    }
}
