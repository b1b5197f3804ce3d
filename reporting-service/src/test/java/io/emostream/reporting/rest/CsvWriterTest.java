package io.emostream.reporting.rest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CsvWriterTest {

    @Test
    void quotesSeparatorsQuotesAndLineBreaks() {
        assertThat(CsvWriter.text("plain")).isEqualTo("plain");
        assertThat(CsvWriter.text("hello, world")).isEqualTo("\"hello, world\"");
        assertThat(CsvWriter.text("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(CsvWriter.text("two\nlines")).isEqualTo("\"two\nlines\"");
    }

    @Test
    void neutralisesCellsASpreadsheetWouldRunAsFormulas() {
        assertThat(CsvWriter.text("=HYPERLINK(\"http://x\")")).isEqualTo("\"'=HYPERLINK(\"\"http://x\"\")\"");
        assertThat(CsvWriter.text("+1")).isEqualTo("'+1");
        assertThat(CsvWriter.text("-1 + 2")).isEqualTo("'-1 + 2");
        assertThat(CsvWriter.text("@SUM(A1)")).isEqualTo("'@SUM(A1)");
    }
}
