<?php
/**
 * The challenge widget in a WordPress form.
 *
 * @package Hedgerow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Prints the widget's placeholder and loads `widget.js` from the service. The widget
 * adds to the form the response field, the honeypot `hedgerow-hp`, and carries in its
 * token when it was first shown, from which the service measures the time to fill in.
 */
class Hedgerow_Widget {

	const HANDLE = 'hedgerow-widget';

	/**
	 * The field the widget fills with its response token.
	 */
	const RESPONSE_FIELD = 'hedgerow-response';

	/**
	 * The honeypot input the widget adds to the form.
	 */
	const HONEYPOT_FIELD = 'hedgerow-hp';

	/**
	 * The plugin's settings.
	 *
	 * @var Hedgerow_Settings
	 */
	private $settings;

	/**
	 * Builds the widget helper.
	 *
	 * @param Hedgerow_Settings $settings The plugin's settings.
	 */
	public function __construct( Hedgerow_Settings $settings ) {
		$this->settings = $settings;
		add_filter( 'script_loader_tag', array( $this, 'defer' ), 10, 2 );
	}

	/**
	 * The placeholder the widget renders into; enqueues the script as a side effect.
	 *
	 * @return string HTML.
	 */
	public function markup() {
		wp_enqueue_script( self::HANDLE, $this->settings->url() . '/widget.js', array(), null, true ); // phpcs:ignore WordPress.WP.EnqueuedResourceParameters.MissingVersion -- the service versions its own script (ETag).
		wp_enqueue_style( self::HANDLE, plugins_url( 'assets/hedgerow.css', HEDGEROW_FILE ), array(), HEDGEROW_VERSION );
		return sprintf(
			'<div class="hedgerow-captcha" data-sitekey="%s"></div>',
			esc_attr( $this->settings->sitekey() )
		);
	}

	/**
	 * Loads the widget script without blocking the page, as the service documents.
	 *
	 * @param string $tag    The script tag WordPress built.
	 * @param string $handle The script's handle.
	 * @return string
	 */
	public function defer( $tag, $handle ) {
		if ( self::HANDLE !== $handle || false !== strpos( $tag, ' defer' ) ) {
			return $tag;
		}
		return str_replace( ' src=', ' async defer src=', $tag );
	}

	/**
	 * A field the widget posted, unslashed and trimmed ('' when absent).
	 *
	 * @param string $name Field name.
	 * @return string
	 */
	public static function posted( $name ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- public forms carry no nonce; the widget's single-use token is the proof checked.
		if ( ! isset( $_POST[ $name ] ) || ! is_string( $_POST[ $name ] ) ) {
			return '';
		}
		// phpcs:ignore WordPress.Security.NonceVerification.Missing
		return trim( sanitize_text_field( wp_unslash( $_POST[ $name ] ) ) );
	}
}
