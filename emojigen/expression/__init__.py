"""From words to a changed face: text -> ExpressionSpec -> landmark moves -> image warp -> painting."""

from emojigen.expression.lexicon import EXPRESSIONS, ExpressionSpec, Lexicon, parse_expression

__all__ = ["EXPRESSIONS", "ExpressionSpec", "Lexicon", "parse_expression"]
