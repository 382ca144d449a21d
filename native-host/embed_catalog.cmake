# Writes a C++ source holding the extension's English catalog (extension/_locales/en/messages.json) as it is, for
# diagnosis/catalog.cpp: the CLI's and the protocol's English take their words for facts from the same messages as
# the extension. Inputs: IN (messages.json), OUT (the .cpp).
file(READ ${IN} content)
string(FIND "${content}" ")catalog_json\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} holds the raw string's delimiter")
endif()
file(WRITE ${OUT}.tmp "// GENERATED from extension/_locales/en/messages.json by native-host/embed_catalog.cmake: do not edit.\n"
  "#include <string_view>\n\nnamespace certdoctor {\n\nextern const std::string_view kEnglishCatalog;\n"
  "const std::string_view kEnglishCatalog = R\"catalog_json(${content})catalog_json\";\n\n}  // namespace certdoctor\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
