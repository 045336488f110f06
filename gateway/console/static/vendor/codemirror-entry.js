// The parts of CodeMirror 6 the merchant console uses, as one ES module.
export {EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, highlightSpecialChars} from "@codemirror/view";
export {EditorState, Compartment} from "@codemirror/state";
export {syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching, foldGutter, foldKeymap, indentUnit} from "@codemirror/language";
export {linter, lintGutter, setDiagnostics, forceLinting, lintKeymap} from "@codemirror/lint";
export {defaultKeymap, history, historyKeymap, indentWithTab} from "@codemirror/commands";
export {searchKeymap, highlightSelectionMatches} from "@codemirror/search";
export {autocompletion, completionKeymap} from "@codemirror/autocomplete";
export {yaml} from "@codemirror/lang-yaml";
