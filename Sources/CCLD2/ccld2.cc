// CLD2's public header uses FILE without including <cstdio>.
#include <cstdio>
#include <cstring>
#include <cld2/public/compact_lang_det.h>

#include "ccld2.h"

extern "C" void ccld2_detect(const char *text, int length, ccld2_guess *guess) {
    CLD2::Language top3[3];
    int percent3[3] = {0, 0, 0};
    double scores3[3];
    int textBytes = 0;
    bool reliable = false;
    int validPrefix = 0;
    // No hints: a hint of the survey's language would hide the very texts the team must see.
    CLD2::Language language = CLD2::ExtDetectLanguageSummaryCheckUTF8(
        text, length, true, nullptr, 0, top3, percent3, scores3, nullptr, &textBytes, &reliable, &validPrefix);
    std::strncpy(guess->language, CLD2::LanguageCode(language), sizeof guess->language - 1);
    guess->language[sizeof guess->language - 1] = '\0';
    guess->percent = percent3[0];
    guess->textBytes = textBytes;
    guess->reliable = reliable ? 1 : 0;
}
