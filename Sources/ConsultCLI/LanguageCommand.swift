// lang (issue 15): measuring the language rule on a labelled corpus.
import ArgumentParser
import ConsultCore
import ConsultLanguage
import Foundation

/// `consult language-accuracy CORPUS.tsv`: how the language rule fares on a labelled corpus, and what it costs.
struct LanguageAccuracyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "language-accuracy",
        abstract: "Measure the free texts' language rule (CLD2) on a labelled corpus.",
        discussion: """
            The corpus has one `language<TAB>text` a line (# lines are comments), as Tests/Language/corpus.tsv. \
            Prints, per language, the texts judged right, undetermined (never flagged) and wrong, over all texts \
            and over those longer than 100 characters; the survey language's long texts flagged as foreign \
            (goal: at most 1 %); the texts judged wrong; and the cost of judging a text beside a plain pass \
            over the same bytes.
            """
    )

    @Argument(help: "The corpus file (TSV).") var corpus: String
    @Option(help: "The survey's language the texts are judged against.") var surveyLanguage = "en"
    @Option(help: "How many times every text is judged for the cost figures.") var repeats = 20

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: corpus, encoding: .utf8)
        } catch {
            throw ValidationError("\(corpus): cannot be read as UTF-8 text (\(error.localizedDescription)).")
        }
        let parsed: LanguageCorpus
        do {
            parsed = try LanguageCorpus(tsv: text)
        } catch let error as LanguageCorpus.FormatError {
            throw ValidationError("\(corpus): \(error)")
        }
        print(parsed.measure(surveyLanguage: surveyLanguage).report)
        printCost(of: parsed.entries.map(\.text))
    }

    /// Microseconds per text for CLD2 and the rule, beside a pass that only reads every byte and
    /// counts the letters (the least any judgement of the text must do), in the same run.
    private func printCost(of texts: [String]) {
        let clock = ContinuousClock()
        var sink = 0
        let judging = clock.measure {
            for _ in 0..<repeats {
                for text in texts { sink &+= LanguageIdentifier.language(of: text).code.utf8.count }
            }
        }
        let reading = clock.measure {
            for _ in 0..<repeats {
                for text in texts { sink &+= text.unicodeScalars.reduce(0) { $0 + ($1.properties.isAlphabetic ? 1 : 0) } }
            }
        }
        func perText(_ duration: Duration) -> Double {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return seconds * 1e6 / Double(max(1, texts.count * repeats))
        }
        let bytes = texts.map(\.utf8.count).reduce(0, +) / max(1, texts.count)
        print(String(
            format: "cost: %.1f µs per text with CLD2 and the rule, beside %.1f µs for one pass over its letters (mean %d bytes; %d runs; check %d)",
            perText(judging), perText(reading), bytes, repeats, sink & 1))
    }
}
