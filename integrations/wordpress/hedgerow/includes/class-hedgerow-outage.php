<?php
/**
 * Remembers that the service could not be reached, for one admin notice.
 *
 * @package Hedgerow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The `hedgerow_outage` option: since when calls fail, how many comments were held
 * unchecked, and the last error. Cleared by the next call that succeeds.
 */
class Hedgerow_Outage {

	const OPTION = 'hedgerow_outage';

	/**
	 * Notes a failed call.
	 *
	 * @param string $error What went wrong (no secret in it: transport errors and HTTP codes).
	 * @param bool   $held  Whether a comment was held for moderation because of it.
	 */
	public function record( $error, $held ) {
		$now     = time();
		$current = $this->current();
		$outage  = array(
			'since' => $current ? $current['since'] : $now,
			'last'  => $now,
			'held'  => ( $current ? $current['held'] : 0 ) + ( $held ? 1 : 0 ),
			'error' => substr( (string) $error, 0, 300 ),
		);
		update_option( self::OPTION, $outage, false );
	}

	/**
	 * Forgets the outage once the service answers again.
	 */
	public function clear() {
		if ( false !== get_option( self::OPTION, false ) ) {
			delete_option( self::OPTION );
		}
	}

	/**
	 * The outage in progress, or null.
	 *
	 * @return array{since: int, last: int, held: int, error: string}|null
	 */
	public function current() {
		$outage = get_option( self::OPTION, false );
		if ( ! is_array( $outage ) || ! isset( $outage['since'] ) ) {
			return null;
		}
		return array(
			'since' => (int) $outage['since'],
			'last'  => isset( $outage['last'] ) ? (int) $outage['last'] : (int) $outage['since'],
			'held'  => isset( $outage['held'] ) ? (int) $outage['held'] : 0,
			'error' => isset( $outage['error'] ) ? (string) $outage['error'] : '',
		);
	}
}
