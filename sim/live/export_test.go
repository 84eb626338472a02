package live

// JSONBody exposes jsonBody to the external tests.
var JSONBody = jsonBody
