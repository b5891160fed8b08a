<?php
/**
 * Comment protection: the widget on the comment form, the check of every comment, the
 * reasons kept with it, and moderators' verdicts sent back as feedback.
 *
 * @package Hedgerow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Hooks into the comment form, `preprocess_comment`, `pre_comment_approved`,
 * `comment_post` and `transition_comment_status`.
 */
class Hedgerow_Comments {

	/**
	 * Comment meta keys.
	 */
	const META_ACTION   = 'hedgerow_action';
	const META_SCORE    = 'hedgerow_score';
	const META_REASONS  = 'hedgerow_reasons';
	const META_MODEL    = 'hedgerow_model';
	const META_FEEDBACK = 'hedgerow_feedback';

	/**
	 * The action recorded for a comment held because the service could not be asked.
	 */
	const UNCHECKED = 'unchecked';

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
	 * What the form posted besides the comment: the widget's response and honeypot.
	 *
	 * @var array{response: string, honeypot: string}|null
	 */
	private $posted = null;

	/**
	 * The verdict on the comment being saved, until `comment_post` stores it.
	 *
	 * @var array{action: string, score: float, reasons: string[], model: string}|null
	 */
	private $verdict = null;

	/**
	 * Builds the comment protection.
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
		add_filter( 'comment_form_submit_field', array( $this, 'add_widget' ), 10, 1 );
		add_filter( 'preprocess_comment', array( $this, 'capture' ), 1 );
		add_filter( 'pre_comment_approved', array( $this, 'judge' ), 20, 2 );
		add_action( 'comment_post', array( $this, 'store' ), 10, 1 );
		add_action( 'transition_comment_status', array( $this, 'feedback' ), 10, 3 );
	}

	/**
	 * Puts the widget just above the comment form's submit button.
	 *
	 * @param string $submit_field The submit button's HTML.
	 * @return string
	 */
	public function add_widget( $submit_field ) {
		if ( ! $this->settings->protects( 'comments' ) || current_user_can( 'moderate_comments' ) ) {
			return $submit_field;
		}
		return '<div class="hedgerow-comment-captcha">' . $this->widget->markup() . '</div>' . $submit_field;
	}

	/**
	 * Keeps the widget's response and honeypot of the comment being posted.
	 *
	 * @param array $commentdata The comment WordPress is about to check.
	 * @return array Unchanged.
	 */
	public function capture( $commentdata ) {
		$this->posted  = array(
			'response' => Hedgerow_Widget::posted( Hedgerow_Widget::RESPONSE_FIELD ),
			'honeypot' => Hedgerow_Widget::posted( Hedgerow_Widget::HONEYPOT_FIELD ),
		);
		$this->verdict = null;
		return $commentdata;
	}

	/**
	 * Decides a comment: refused without a solved captcha, else approved, held (0) or
	 * spam as the service says. WordPress's own verdict is never loosened.
	 *
	 * @param int|string|WP_Error $approved    WordPress's verdict so far.
	 * @param array               $commentdata The comment.
	 * @return int|string|WP_Error
	 */
	public function judge( $approved, $commentdata ) {
		if ( is_wp_error( $approved ) || ! $this->settings->configured() ) {
			return $approved;
		}
		$posted   = null !== $this->posted ? $this->posted : array(
			'response' => '',
			'honeypot' => '',
		);
		$type     = isset( $commentdata['comment_type'] ) ? (string) $commentdata['comment_type'] : 'comment';
		$user_id  = isset( $commentdata['user_id'] ) ? (int) $commentdata['user_id'] : 0;
		$required = in_array( $type, array( '', 'comment' ), true )
			&& $this->settings->protects( 'comments' )
			&& ! ( $user_id && user_can( $user_id, 'moderate_comments' ) );

		if ( $required && '' === $posted['response'] ) {
			// Without the service the widget cannot load, so a visitor could not answer:
			// hold the comment rather than refuse it.
			$up = $this->client->reachable();
			if ( is_wp_error( $up ) ) {
				return $this->hold_unchecked( $approved, $up );
			}
			$this->client->note_success();
			return new WP_Error(
				'hedgerow_captcha_missing',
				esc_html__( 'Please answer the question above the Post Comment button before posting. Go back to the form, answer it and post again.', 'hedgerow' ),
				403
			);
		}

		$fields = $this->fields( $commentdata );
		if ( $required ) {
			$fields['response']            = $posted['response'];
			$fields['honeypot_field_name'] = Hedgerow_Widget::HONEYPOT_FIELD;
			$fields[ Hedgerow_Widget::HONEYPOT_FIELD ] = $posted['honeypot'];
		}
		$result = $this->client->comment_check( $fields );
		if ( is_wp_error( $result ) ) {
			return $this->hold_unchecked( $approved, $result );
		}
		$this->client->note_success();

		if ( $required && isset( $result['reasons'][0] ) && 0 === strpos( $result['reasons'][0], 'captcha failed' ) ) {
			return new WP_Error(
				'hedgerow_captcha_failed',
				esc_html__( 'The answer to the question could not be confirmed: it was wrong, had expired or was already used. Go back, answer the new question and post again.', 'hedgerow' ),
				403
			);
		}
		$this->verdict = $result;
		return $this->apply( $approved, $result['action'] );
	}

	/**
	 * Stores the verdict with the comment just saved.
	 *
	 * @param int $comment_id The new comment's ID.
	 */
	public function store( $comment_id ) {
		if ( null === $this->verdict ) {
			return;
		}
		update_comment_meta( $comment_id, self::META_ACTION, $this->verdict['action'] );
		update_comment_meta( $comment_id, self::META_SCORE, (string) $this->verdict['score'] );
		update_comment_meta( $comment_id, self::META_REASONS, $this->verdict['reasons'] );
		update_comment_meta( $comment_id, self::META_MODEL, $this->verdict['model'] );
		$this->verdict = null;
	}

	/**
	 * Sends a moderator's verdict to the service: "Spam" as spam; "Not Spam", or approving
	 * a comment the service held, as ham.
	 *
	 * @param string     $new_status The comment's new status.
	 * @param string     $old_status Its previous status.
	 * @param WP_Comment $comment    The comment.
	 */
	public function feedback( $new_status, $old_status, $comment ) {
		if ( $new_status === $old_status || ! $this->settings->configured() || ! $comment instanceof WP_Comment ) {
			return;
		}
		$action = (string) get_comment_meta( (int) $comment->comment_ID, self::META_ACTION, true );
		if ( 'spam' === $new_status ) {
			$label = 'spam';
		} elseif ( 'spam' === $old_status && in_array( $new_status, array( 'approved', 'unapproved' ), true ) ) {
			$label = 'ham';
		} elseif ( 'unapproved' === $old_status && 'approved' === $new_status && in_array( $action, array( 'hold', self::UNCHECKED ), true ) ) {
			$label = 'ham';
		} else {
			return;
		}
		$fields                     = $this->fields_of( $comment );
		$fields['comment_date_gmt'] = (string) $comment->comment_date_gmt;
		$sent                       = $this->client->submit( $label, $fields );
		if ( is_wp_error( $sent ) ) {
			$this->client->note_failure( $sent, false );
			return;
		}
		$this->client->note_success();
		update_comment_meta( (int) $comment->comment_ID, self::META_FEEDBACK, $label );
	}

	/**
	 * Holds a comment that could not be checked, and notes why for the admin notice.
	 *
	 * @param int|string $approved WordPress's verdict so far.
	 * @param WP_Error   $error    Why the service could not be asked.
	 * @return int|string
	 */
	private function hold_unchecked( $approved, WP_Error $error ) {
		$this->client->note_failure( $error, true );
		$this->verdict = array(
			'action'  => self::UNCHECKED,
			'score'   => 0.0,
			'reasons' => array(
				/* translators: %s: the error, such as a connection failure. */
				sprintf( __( 'Hedgerow could not be reached (%s): held for moderation unchecked.', 'hedgerow' ), $error->get_error_message() ),
			),
			'model'   => '',
		);
		return $this->apply( $approved, 'hold' );
	}

	/**
	 * WordPress's verdict tightened by the service's action.
	 *
	 * @param int|string $approved WordPress's verdict so far.
	 * @param string     $action   One of accept, hold or discard.
	 * @return int|string
	 */
	private function apply( $approved, $action ) {
		if ( 'spam' === $approved || 'trash' === $approved ) {
			return $approved;
		}
		if ( 'discard' === $action ) {
			return 'spam';
		}
		if ( 'hold' === $action ) {
			return 0;
		}
		return $approved;
	}

	/**
	 * Akismet-named fields of a comment about to be saved.
	 *
	 * @param array $commentdata The comment.
	 * @return array<string, string>
	 */
	private function fields( array $commentdata ) {
		$type    = isset( $commentdata['comment_type'] ) && '' !== $commentdata['comment_type'] ? (string) $commentdata['comment_type'] : 'comment';
		$post_id = isset( $commentdata['comment_post_ID'] ) ? (int) $commentdata['comment_post_ID'] : 0;
		$fields  = array(
			'comment_type'         => $type,
			'comment_content'      => isset( $commentdata['comment_content'] ) ? (string) $commentdata['comment_content'] : '',
			'comment_author'       => isset( $commentdata['comment_author'] ) ? (string) $commentdata['comment_author'] : '',
			'comment_author_email' => isset( $commentdata['comment_author_email'] ) ? (string) $commentdata['comment_author_email'] : '',
			'comment_author_url'   => isset( $commentdata['comment_author_url'] ) ? (string) $commentdata['comment_author_url'] : '',
			'user_ip'              => isset( $commentdata['comment_author_IP'] ) ? (string) $commentdata['comment_author_IP'] : '',
			'user_agent'           => isset( $commentdata['comment_agent'] ) ? (string) $commentdata['comment_agent'] : '',
			'referrer'             => isset( $_SERVER['HTTP_REFERER'] ) ? esc_url_raw( wp_unslash( $_SERVER['HTTP_REFERER'] ) ) : '',
			'permalink'            => $post_id ? (string) get_permalink( $post_id ) : '',
			'blog'                 => $this->settings->blog_origin(),
			'blog_lang'            => get_locale(),
			'blog_charset'         => (string) get_option( 'blog_charset' ),
		);
		$user_id = isset( $commentdata['user_id'] ) ? (int) $commentdata['user_id'] : 0;
		$user    = $user_id ? get_userdata( $user_id ) : false;
		if ( $user && ! empty( $user->roles ) ) {
			$fields['user_role'] = (string) reset( $user->roles );
		}
		return $fields;
	}

	/**
	 * Akismet-named fields of a stored comment.
	 *
	 * @param WP_Comment $comment The comment.
	 * @return array<string, string>
	 */
	private function fields_of( WP_Comment $comment ) {
		return array(
			'comment_type'         => '' !== $comment->comment_type ? (string) $comment->comment_type : 'comment',
			'comment_content'      => (string) $comment->comment_content,
			'comment_author'       => (string) $comment->comment_author,
			'comment_author_email' => (string) $comment->comment_author_email,
			'comment_author_url'   => (string) $comment->comment_author_url,
			'user_ip'              => (string) $comment->comment_author_IP,
			'user_agent'           => (string) $comment->comment_agent,
			'permalink'            => (string) get_permalink( (int) $comment->comment_post_ID ),
		);
	}
}
