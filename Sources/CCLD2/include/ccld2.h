#ifndef CONSULT_CCLD2_H
#define CONSULT_CCLD2_H

// A C face for CLD2 (Compact Language Detector 2, Debian's libcld2-dev), whose API is C++.

#ifdef __cplusplus
extern "C" {
#endif

/// What CLD2 found in one text.
typedef struct {
    /// ISO 639 code of the most likely language ("en", "fr", "zh-Hant"), or "un" when CLD2 found none.
    char language[16];
    /// Share (0...100) of the text's letters in that language.
    int percent;
    /// Letters-only bytes CLD2 scored (tags, digits and punctuation left out).
    int textBytes;
    /// CLD2's own verdict that the language is clearly more probable than the next one.
    int reliable;
} ccld2_guess;

/// Guesses the language of `length` bytes of UTF-8 plain text at `text`. Invalid UTF-8 gives "un".
void ccld2_detect(const char *text, int length, ccld2_guess *guess);

#ifdef __cplusplus
}
#endif

#endif
