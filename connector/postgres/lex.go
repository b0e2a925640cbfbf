package postgres

import (
	"strings"
	"unicode/utf8"
)

// The lexer splits SQL into tokens the way PostgreSQL's own scanner does
// (src/backend/parser/scan.l, with standard_conforming_strings on, which
// Do pins for every call), so that what the classifier reads as code, a
// string or a comment is what the server reads. It never guesses: input
// it cannot place (an unterminated string, quoted identifier, dollar quote
// or comment, a NUL byte, invalid UTF-8, Unicode-escaped identifiers) is
// an error, and the call is refused.

type tokKind uint8

const (
	tIdent  tokKind = iota // an identifier or keyword; text is folded unless quoted
	tString                // any string literal; text is empty
	tNumber                // a numeric literal; text as written
	tParam                 // $N; text is N
	tOp                    // an operator, "::" or ":="; text as written
	tPunct                 // one of ( ) [ ] , ; . :
)

type token struct {
	kind tokKind
	text string
	// quoted is set for a double-quoted identifier: never a keyword,
	// never case-folded.
	quoted bool
}

// kw reports whether t is the unquoted keyword k (lower case).
func (t token) kw(k string) bool { return t.kind == tIdent && !t.quoted && t.text == k }

func (t token) punct(p string) bool { return t.kind == tPunct && t.text == p }

const opChars = "~!@#^&|`?+-*/%<>="

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' || c == '$' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// lexError is the message of a statement the lexer cannot place.
type lexError string

func (e lexError) Error() string { return string(e) }

// lex returns the tokens of sql, without whitespace and comments.
func lex(sql string) ([]token, error) {
	if !utf8.ValidString(sql) {
		return nil, lexError("the statement is not valid UTF-8")
	}
	if strings.IndexByte(sql, 0) >= 0 {
		return nil, lexError("the statement contains a NUL byte")
	}
	var toks []token
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexAny(sql[i:], "\r\n")
			if j < 0 {
				j = len(sql) - i
			}
			i += j
		case strings.HasPrefix(sql[i:], "/*"):
			j, err := blockComment(sql, i)
			if err != nil {
				return nil, err
			}
			i = j
		case isIdentStart(c):
			j, t, err := identOrPrefixed(sql, i)
			if err != nil {
				return nil, err
			}
			toks, i = append(toks, t), j
		case c == '"':
			j, name, err := quotedIdent(sql, i)
			if err != nil {
				return nil, err
			}
			toks, i = append(toks, token{kind: tIdent, text: name, quoted: true}), j
		case c == '\'':
			j, err := quotedString(sql, i, false)
			if err != nil {
				return nil, err
			}
			toks, i = append(toks, token{kind: tString}), j
		case c == '$':
			j, t, err := dollar(sql, i)
			if err != nil {
				return nil, err
			}
			toks, i = append(toks, t), j
		case isDigit(c) || c == '.' && i+1 < len(sql) && isDigit(sql[i+1]):
			j := number(sql, i)
			toks, i = append(toks, token{kind: tNumber, text: sql[i:j]}), j
		case c == ':':
			if i+1 < len(sql) && (sql[i+1] == ':' || sql[i+1] == '=') {
				toks, i = append(toks, token{kind: tOp, text: sql[i : i+2]}), i+2
			} else {
				toks, i = append(toks, token{kind: tPunct, text: ":"}), i+1
			}
		case strings.IndexByte(opChars, c) >= 0:
			j := operator(sql, i)
			toks, i = append(toks, token{kind: tOp, text: sql[i:j]}), j
		default:
			// ( ) [ ] , ; . and anything PostgreSQL rejects.
			_, n := utf8.DecodeRuneInString(sql[i:])
			toks, i = append(toks, token{kind: tPunct, text: sql[i : i+n]}), i+n
		}
	}
	return toks, nil
}

// blockComment returns the end of the (nesting) comment starting at i.
func blockComment(sql string, i int) (int, error) {
	depth := 0
	for i < len(sql) {
		switch {
		case strings.HasPrefix(sql[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(sql[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i, nil
			}
		default:
			i++
		}
	}
	return 0, lexError("the statement has an unterminated /* comment")
}

// identOrPrefixed reads an identifier, or a string with a prefix
// (E'...', B'...', X'...', N'...', U&'...').
func identOrPrefixed(sql string, i int) (int, token, error) {
	c := sql[i] | 0x20
	next := func(k int) byte {
		if i+k < len(sql) {
			return sql[i+k]
		}
		return 0
	}
	switch {
	case c == 'e' && next(1) == '\'':
		j, err := quotedString(sql, i+1, true)
		return j, token{kind: tString}, err
	case (c == 'b' || c == 'x' || c == 'n') && next(1) == '\'':
		j, err := quotedString(sql, i+1, false)
		return j, token{kind: tString}, err
	case c == 'u' && next(1) == '&' && next(2) == '\'':
		j, err := quotedString(sql, i+2, false)
		return j, token{kind: tString}, err
	case c == 'u' && next(1) == '&' && next(2) == '"':
		return 0, token{}, lexError(`Unicode-escaped identifiers (U&"...") are not accepted; write the name in a plain "quoted identifier"`)
	}
	j := i + 1
	for j < len(sql) && isIdentCont(sql[j]) {
		j++
	}
	return j, token{kind: tIdent, text: truncateName(foldName(sql[i:j]))}, nil
}

// foldName lower-cases ASCII letters, as PostgreSQL folds unquoted
// identifiers in a UTF-8 database.
func foldName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// truncateName cuts a name to maxName bytes without splitting a
// character, as the server does.
func truncateName(s string) string {
	if len(s) <= maxName {
		return s
	}
	n := maxName
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func quotedIdent(sql string, i int) (int, string, error) {
	var b strings.Builder
	for j := i + 1; j < len(sql); j++ {
		if sql[j] != '"' {
			b.WriteByte(sql[j])
			continue
		}
		if j+1 < len(sql) && sql[j+1] == '"' {
			b.WriteByte('"')
			j++
			continue
		}
		if b.Len() == 0 {
			return 0, "", lexError("the statement has a zero-length quoted identifier")
		}
		return j + 1, truncateName(b.String()), nil
	}
	return 0, "", lexError("the statement has an unterminated quoted identifier")
}

// quotedString returns the end of the string whose opening quote is at i.
// In an E'...' string a backslash escapes the next character.
func quotedString(sql string, i int, backslash bool) (int, error) {
	for j := i + 1; j < len(sql); j++ {
		switch sql[j] {
		case '\\':
			if backslash {
				j++
			}
		case '\'':
			if j+1 < len(sql) && sql[j+1] == '\'' {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	return 0, lexError("the statement has an unterminated string")
}

// dollar reads a parameter ($1) or a dollar-quoted string ($tag$...$tag$).
func dollar(sql string, i int) (int, token, error) {
	j := i + 1
	if j < len(sql) && isDigit(sql[j]) {
		for j < len(sql) && isDigit(sql[j]) {
			j++
		}
		return j, token{kind: tParam, text: sql[i+1 : j]}, nil
	}
	if j < len(sql) && isIdentStart(sql[j]) {
		j++
		for j < len(sql) && isIdentCont(sql[j]) && sql[j] != '$' {
			j++
		}
	}
	if j >= len(sql) || sql[j] != '$' {
		return i + 1, token{kind: tPunct, text: "$"}, nil
	}
	delim := sql[i : j+1]
	end := strings.Index(sql[j+1:], delim)
	if end < 0 {
		return 0, token{}, lexError("the statement has an unterminated dollar-quoted string")
	}
	return j + 1 + end + len(delim), token{kind: tString}, nil
}

// number returns the end of the numeric literal at i: digits, a decimal
// point and an exponent, which is taken only when digits follow it (so
// that "1e'x'" is 1 followed by the string e'x', as the server reads it).
func number(sql string, i int) int {
	j := i
	for j < len(sql) && (isDigit(sql[j]) || sql[j] == '_') {
		j++
	}
	if j < len(sql) && sql[j] == '.' && !(j+1 < len(sql) && sql[j+1] == '.') {
		j++
		for j < len(sql) && (isDigit(sql[j]) || sql[j] == '_') {
			j++
		}
	}
	if j < len(sql) && (sql[j] == 'e' || sql[j] == 'E') {
		k := j + 1
		if k < len(sql) && (sql[k] == '+' || sql[k] == '-') {
			k++
		}
		if k < len(sql) && isDigit(sql[k]) {
			for k < len(sql) && isDigit(sql[k]) {
				k++
			}
			j = k
		}
	}
	return j
}

// operator returns the end of the operator at i: a run of operator
// characters that stops before a comment, and drops a trailing + or -
// unless it contains one of ~ ! @ # % ^ & | ` ?, as the server does.
func operator(sql string, i int) int {
	j := i
	for j < len(sql) && strings.IndexByte(opChars, sql[j]) >= 0 {
		if j > i && (strings.HasPrefix(sql[j:], "--") || strings.HasPrefix(sql[j:], "/*")) {
			break
		}
		j++
	}
	op := sql[i:j]
	if len(op) > 1 && !strings.ContainsAny(op, "~!@#%^&|`?") {
		for len(op) > 1 && (op[len(op)-1] == '+' || op[len(op)-1] == '-') {
			op = op[:len(op)-1]
		}
	}
	return i + len(op)
}
