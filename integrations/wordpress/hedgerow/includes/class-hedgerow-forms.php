<?php
/**
 * The widget on the login, registration and lost-password forms, when chosen.
 *
 * @package Hedgerow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Shows the widget on wp-login.php's forms and verifies its response with siteverify.
 *
 * Registration and lost password fail closed. Login lets WordPress's own password check
 * decide when the service cannot be reached, so that an outage never locks the
 * administrators out of the site they would fix it from; the admin notice reports it.
 */
class Hedgerow_Forms {

	/**
	 * The plugin's settings.
	 *
	 * @var Hedgerow_Settings
	 */
	private $settings;

	/**
	 * The service client.
	 *
	 * @var Hedgerow_Client
	 */
	private $client;

	/**
	 * The widget helper.
	 *
	 * @var Hedgerow_Widget
	 */
	private $widget;

	/**
	 * Builds the form protection.
	 *
	 * @param Hedgerow_Settings $settings The plugin's settings.
	 * @param Hedgerow_Client   $client   The service client.
	 * @param Hedgerow_Widget   $widget   The widget helper.
	 */
	public function __construct( Hedgerow_Settings $settings, Hedgerow_Client $client, Hedgerow_Widget $widget ) {
		$this->settings = $settings;
		$this->client   = $client;
		$this->widget   = $widget;
	}

	/**
	 * Adds the hooks.
	 */
	public function register() {
		add_action( 'login_form', array( $this, 'login_widget' ) );
		add_action( 'register_form', array( $this, 'register_widget' ) );
		add_action( 'lostpassword_form', array( $this, 'lostpassword_widget' ) );
		add_filter( 'authenticate', array( $this, 'check_login' ), 30, 1 );
		add_filter( 'registration_errors', array( $this, 'check_registration' ), 10, 1 );
		add_action( 'lostpassword_post', array( $this, 'check_lostpassword' ), 10, 1 );
	}

	/**
	 * The widget on the login form.
	 */
	public function login_widget() {
		$this->print_widget( 'login' );
	}

	/**
	 * The widget on the registration form.
	 */
	public function register_widget() {
		$this->print_widget( 'register' );
	}

	/**
	 * The widget on the lost-password form.
	 */
	public function lostpassword_widget() {
		$this->print_widget( 'lostpassword' );
	}

	/**
	 * Refuses a login posted from wp-login.php without a solved captcha.
	 *
	 * @param WP_User|WP_Error|null $user The user found so far.
	 * @return WP_User|WP_Error|null
	 */
	public function check_login( $user ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- the login form has no nonce; only its presence is read here.
		$from_form = isset( $_POST['log'] ) && isset( $GLOBALS['pagenow'] ) && 'wp-login.php' === $GLOBALS['pagenow'];
		if ( ! $from_form || ! $this->settings->protects( 'login' ) ) {
			return $user;
		}
		$error = $this->verify( false );
		return null === $error ? $user : $error;
	}

	/**
	 * Adds an error to a registration posted without a solved captcha.
	 *
	 * @param WP_Error $errors Registration errors so far.
	 * @return WP_Error
	 */
	public function check_registration( $errors ) {
		if ( $this->settings->protects( 'register' ) ) {
			$this->add_error( $errors, $this->verify( true ) );
		}
		return $errors;
	}

	/**
	 * Adds an error to a password reset requested without a solved captcha.
	 *
	 * @param WP_Error $errors Errors so far.
	 */
	public function check_lostpassword( $errors ) {
		if ( $this->settings->protects( 'lostpassword' ) ) {
			$this->add_error( $errors, $this->verify( true ) );
		}
	}

	/**
	 * Prints the widget if the form is protected.
	 *
	 * @param string $form The form's key.
	 */
	private function print_widget( $form ) {
		if ( $this->settings->protects( $form ) ) {
			echo $this->widget->markup(); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- built from escaped parts.
		}
	}

	/**
	 * Verifies the posted response; null when it passes.
	 *
	 * @param bool $fail_closed Whether an unreachable service refuses the form.
	 * @return WP_Error|null
	 */
	private function verify( $fail_closed ) {
		$response = Hedgerow_Widget::posted( Hedgerow_Widget::RESPONSE_FIELD );
		$refusal  = new WP_Error(
			'hedgerow_captcha',
			esc_html__( 'Please answer the question correctly before continuing.', 'hedgerow' )
		);
		$result   = '' === $response ? null : $this->client->siteverify( $response, $this->remote_ip() );
		if ( is_wp_error( $result ) ) {
			$this->client->note_failure( $result, false );
			return $fail_closed ? $refusal : null;
		}
		if ( null === $result ) {
			if ( $fail_closed ) {
				return $refusal;
			}
			$up = $this->client->reachable();
			if ( true === $up ) {
				return $refusal;
			}
			$this->client->note_failure( $up, false );
			return null;
		}
		$this->client->note_success();
		return $result['success'] ? null : $refusal;
	}

	/**
	 * Copies an error into a WP_Error collection.
	 *
	 * @param WP_Error      $errors The collection.
	 * @param WP_Error|null $error  The error, if any.
	 */
	private function add_error( $errors, $error ) {
		if ( null !== $error && $errors instanceof WP_Error ) {
			$errors->add( $error->get_error_code(), $error->get_error_message() );
		}
	}

	/**
	 * The visitor's address as the web server saw it.
	 *
	 * @return string
	 */
	private function remote_ip() {
		return isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
	}
}
