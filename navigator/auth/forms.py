from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=200)])


class RequestResetForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Email("Enter an email address like name@example.org")],
    )


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password"), Length(max=200, message="Password is too long")],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the password again"), EqualTo("password", "The passwords do not match")],
    )


class InviteUserForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter their name"), Length(max=120)])
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter their email address"), Email("Enter an email address like name@example.org")],
    )
    job_title = StringField("Job title (optional)", validators=[Length(max=120)])


class SecurityCodeForm(FlaskForm):
    code = StringField(
        "Security code",
        validators=[DataRequired("Enter the 6-digit security code from your app"), Length(max=12)],
    )
