<?php
/**
 * The plugin's settings, kept in one option.
 *
 * @package Hedgerow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads and cleans the `hedgerow_settings` option.
 *
 * The secret lives only in this option: it is sent to the service and never written
 * into a page, a notice or a log.
 */
class Hedgerow_Settings {

	const OPTION = 'hedgerow_settings';

	/**
	 * Forms the widget can protect, with comments on by default.
	 */
	const FORMS = array(
		'comments'     => true,
		'login'        => false,
		'register'     => false,
		'lostpassword' => false,
	);

	/**
	 * The stored settings merged over the defaults.
	 *
	 * @return array{url: string, sitekey: string, secret: string, forms: array<string, bool>}
	 */
	public function all() {
		$stored = get_option( self::OPTION, array() );
		if ( ! is_array( $stored ) ) {
			$stored = array();
		}
		$forms = self::FORMS;
		if ( isset( $stored['forms'] ) && is_array( $stored['forms'] ) ) {
			foreach ( array_keys( $forms ) as $form ) {
				$forms[ $form ] = ! empty( $stored['forms'][ $form ] );
			}
		}
		return array(
			'url'     => isset( $stored['url'] ) ? (string) $stored['url'] : '',
			'sitekey' => isset( $stored['sitekey'] ) ? (string) $stored['sitekey'] : '',
			'secret'  => isset( $stored['secret'] ) ? (string) $stored['secret'] : '',
			'forms'   => $forms,
		);
	}

	/**
	 * The service's base URL, without a trailing slash.
	 *
	 * @return string
	 */
	public function url() {
		return untrailingslashit( $this->all()['url'] );
	}

	/**
	 * The public sitekey the widget shows.
	 *
	 * @return string
	 */
	public function sitekey() {
		return $this->all()['sitekey'];
	}

	/**
	 * The site's secret, for calls to the service only.
	 *
	 * @return string
	 */
	public function secret() {
		return $this->all()['secret'];
	}

	/**
	 * Whether a secret is stored (without revealing it).
	 *
	 * @return bool
	 */
	public function has_secret() {
		return '' !== $this->secret();
	}

	/**
	 * Whether URL, sitekey and secret are all set.
	 *
	 * @return bool
	 */
	public function configured() {
		$all = $this->all();
		return '' !== $all['url'] && '' !== $all['sitekey'] && '' !== $all['secret'];
	}

	/**
	 * Whether the widget protects the given form (comments, login, register, lostpassword).
	 *
	 * @param string $form One of the keys of self::FORMS.
	 * @return bool
	 */
	public function protects( $form ) {
		$forms = $this->all()['forms'];
		return $this->configured() && ! empty( $forms[ $form ] );
	}

	/**
	 * The site's origin as the service knows it (scheme, host and port of the home URL).
	 *
	 * @return string
	 */
	public function blog_origin() {
		$parts = wp_parse_url( home_url( '/' ) );
		if ( empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
			return home_url( '/' );
		}
		$origin = $parts['scheme'] . '://' . $parts['host'];
		if ( ! empty( $parts['port'] ) ) {
			$origin .= ':' . $parts['port'];
		}
		return $origin;
	}

	/**
	 * Cleans what the settings form posted. An empty secret keeps the stored one, so the
	 * form never needs to show it.
	 *
	 * @param mixed $input The posted option value.
	 * @return array The value to store.
	 */
	public function sanitize( $input ) {
		$old   = $this->all();
		$input = is_array( $input ) ? $input : array();
		$url   = isset( $input['url'] ) ? esc_url_raw( trim( (string) $input['url'] ), array( 'http', 'https' ) ) : $old['url'];
		$key   = isset( $input['sitekey'] ) ? sanitize_text_field( (string) $input['sitekey'] ) : $old['sitekey'];
		$new   = isset( $input['secret'] ) ? trim( sanitize_text_field( (string) $input['secret'] ) ) : '';
		$forms = array();
		foreach ( array_keys( self::FORMS ) as $form ) {
			$forms[ $form ] = ! empty( $input['forms'][ $form ] );
		}
		if ( isset( $input['url'] ) && '' === $url && '' !== trim( (string) $input['url'] ) ) {
			add_settings_error( self::OPTION, 'hedgerow-url', __( 'The service URL must start with http:// or https://.', 'hedgerow' ) );
			$url = $old['url'];
		}
		return array(
			'url'     => untrailingslashit( $url ),
			'sitekey' => $key,
			'secret'  => '' !== $new ? $new : $old['secret'],
			'forms'   => $forms,
		);
	}
}
