<?php
/**
 * Lists the gettext calls in PHP files as JSON: each call's function, its string
 * arguments (single-quoted literals, unquoted) and whether it has non-literal arguments.
 *
 * Usage: php i18n_calls.php FILE...
 */

$functions = array( '__', '_e', '_n', '_x', 'esc_html__', 'esc_html_e', 'esc_attr__', 'esc_attr_e' );
$calls     = array();
foreach ( array_slice( $argv, 1 ) as $file ) {
	$tokens = token_get_all( file_get_contents( $file ) );
	$count  = count( $tokens );
	for ( $i = 0; $i < $count; $i++ ) {
		if ( ! is_array( $tokens[ $i ] ) || T_STRING !== $tokens[ $i ][0] || ! in_array( $tokens[ $i ][1], $functions, true ) ) {
			continue;
		}
		$j = $i + 1;
		while ( $j < $count && is_array( $tokens[ $j ] ) && T_WHITESPACE === $tokens[ $j ][0] ) {
			$j++;
		}
		if ( $j >= $count || '(' !== $tokens[ $j ] ) {
			continue;
		}
		$depth   = 0;
		$strings = array();
		for ( ; $j < $count; $j++ ) {
			$token = $tokens[ $j ];
			if ( '(' === $token ) {
				$depth++;
			} elseif ( ')' === $token ) {
				$depth--;
				if ( 0 === $depth ) {
					break;
				}
			} elseif ( 1 === $depth && is_array( $token ) && T_CONSTANT_ENCAPSED_STRING === $token[0] ) {
				$strings[] = stripcslashes( substr( $token[1], 1, -1 ) );
			}
		}
		$calls[] = array(
			'file'     => basename( $file ),
			'line'     => $tokens[ $i ][2],
			'function' => $tokens[ $i ][1],
			'strings'  => $strings,
		);
	}
}
echo json_encode( $calls );
